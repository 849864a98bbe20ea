package dev.llmwatcher.queue;

import java.util.Optional;
import java.util.Set;

/**
 * Which documents of a queue query by model, the model as the document asks for it ({@code _llm_watcher.model}, or
 * {@link QueueFields#DEFAULT_MODEL} when it names none): all but {@code excluded} (models whose daily token budget is
 * spent), or only {@code only} (to count the documents that wait for one model's budget).
 */
public record ModelFilter(Set<String> excluded, Optional<String> only) {

    public static final ModelFilter ANY = new ModelFilter(Set.of(), Optional.empty());

    public ModelFilter {
        excluded = Set.copyOf(excluded);
    }

    public static ModelFilter excluding(Set<String> models) {
        return new ModelFilter(models, Optional.empty());
    }

    public static ModelFilter onlyModel(String model) {
        return new ModelFilter(Set.of(), Optional.of(model));
    }

    /** True when this filter leaves every document in. */
    public boolean any() {
        return excluded.isEmpty() && only.isEmpty();
    }

    /** Whether a document asking for {@code model} (null: it names none) passes. */
    public boolean matches(Object model) {
        Object effective = model == null ? QueueFields.DEFAULT_MODEL : model;
        return !excluded.contains(effective) && only.map(effective::equals).orElse(true);
    }
}
