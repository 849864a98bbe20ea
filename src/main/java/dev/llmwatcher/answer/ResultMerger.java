package dev.llmwatcher.answer;

import dev.llmwatcher.config.AnswerPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds the document that goes back to its original index: the user's fields plus the answer, as the original
 * script did ({@code {"message": "I love it!", "scale": 5}}). Our {@code _llm_watcher} bookkeeping never leaves the
 * queue.
 *
 * <p>At the root of a document an answer overwrites only what its schema names: a field the schema merely allows
 * (an extra) that the document already has, with another value, is dropped like an undeclared one; a schemaless
 * ({@code "json"}) answer that would overwrite any of the document's fields is stored whole under {@value
 * #DEFAULT_TEXT_FIELD} instead, so nothing the user wrote is lost and nothing the model said is lost either. With
 * {@code --undeclared-fields fail} either case fails the document instead.
 */
public final class ResultMerger {

    public static final String DEFAULT_TEXT_FIELD = "llm_output";
    public static final String WATCHER_FIELD = "_llm_watcher";

    private static final Logger LOG = LoggerFactory.getLogger(ResultMerger.class);

    private final boolean failOnUndeclared;

    /** A merger with the default policy: undeclared fields dropped. */
    public ResultMerger() {
        this(AnswerPolicy.DEFAULT);
    }

    public ResultMerger(AnswerPolicy policy) {
        this.failOnUndeclared = policy.failsOnUndeclaredFields();
    }

    /**
     * The document to store, and what the answer was not allowed to do to it.
     *
     * @param document the user's fields with the answer
     * @param dropped  the answer's fields that were not stored: undeclared by its schema, or extras that would have
     *                 overwritten the document's own fields
     * @param kept     the document's fields a schemaless answer would have overwritten, which is why it went under
     *                 {@value #DEFAULT_TEXT_FIELD}; empty when it did not
     */
    public record Merged(Map<String, Object> document, List<String> dropped, List<String> kept) {

        /** Logs, with the document's id, what was dropped or moved (nothing when the answer merged as it was). */
        public void warn(String documentId) {
            if (!dropped.isEmpty()) {
                LOG.warn("Document {}: dropped {} of the answer that its schema does not declare (or that would "
                        + "overwrite the document's own): {}", documentId, FieldNames.count(dropped.size()),
                        FieldNames.shown(dropped));
            }
            if (!kept.isEmpty()) {
                LOG.warn("Document {}: the schemaless answer would overwrite the document's {}, so it is stored "
                        + "under {} instead", documentId, FieldNames.shown(kept), DEFAULT_TEXT_FIELD);
            }
        }
    }

    /**
     * @param source      the queue document's source; not modified (nested values are shared, not copied)
     * @param targetField where to put the answer; null or blank to merge a structured answer at the root and to put
     *                    a text answer under {@value #DEFAULT_TEXT_FIELD}
     * @throws AnswerException when {@code targetField} is a protected ({@code _}-prefixed) name, or the answer would
     *                         overwrite the document's fields and the policy fails such answers
     */
    public Merged merge(Map<String, Object> source, Answer answer, String targetField) throws AnswerException {
        String target = targetField == null || targetField.isBlank() ? null : targetField.strip();
        if (target != null && target.startsWith("_")) {
            throw new AnswerException("target_field \"" + target + "\" is protected (fields starting with _ belong "
                    + "to Elasticsearch and llm-watcher)");
        }
        Map<String, Object> merged = new LinkedHashMap<>(source);
        merged.remove(WATCHER_FIELD);
        if (!answer.isStructured()) {
            merged.put(target != null ? target : DEFAULT_TEXT_FIELD, answer.text());
            return new Merged(merged, List.of(), List.of());
        }
        if (target != null) {
            merged.put(target, answer.fields());
            return new Merged(merged, answer.undeclared(), List.of());
        }
        List<String> overwriting = overwriting(merged, answer);
        if (answer.schemaless()) {
            return mergeSchemaless(merged, answer, overwriting);
        }
        if (failOnUndeclared && !overwriting.isEmpty()) {
            throw new AnswerException("the answer would overwrite the document's " + FieldNames.shown(overwriting)
                    + ", which its schema allows but does not name; nothing was stored (--undeclared-fields fail)");
        }
        answer.fields().forEach((name, value) -> {
            if (!overwriting.contains(name)) {
                merged.put(name, value);
            }
        });
        List<String> dropped = new ArrayList<>(answer.undeclared());
        dropped.addAll(overwriting);
        return new Merged(merged, List.copyOf(dropped), List.of());
    }

    private Merged mergeSchemaless(Map<String, Object> merged, Answer answer, List<String> overwriting)
            throws AnswerException {
        if (overwriting.isEmpty()) {
            merged.putAll(answer.fields());
            return new Merged(merged, List.of(), List.of());
        }
        if (failOnUndeclared) {
            throw new AnswerException("the schemaless answer would overwrite the document's "
                    + FieldNames.shown(overwriting) + "; nothing was stored (--undeclared-fields fail)");
        }
        if (merged.containsKey(DEFAULT_TEXT_FIELD)) {
            throw new AnswerException("the schemaless answer would overwrite the document's "
                    + FieldNames.shown(overwriting) + ", and " + DEFAULT_TEXT_FIELD + ", where such an answer is put "
                    + "instead, is taken too; give the pipeline a schema or a target_field");
        }
        merged.put(DEFAULT_TEXT_FIELD, answer.fields());
        return new Merged(merged, List.of(), overwriting);
    }

    /** The answer's unnamed fields that the document already has, with another value. */
    private static List<String> overwriting(Map<String, Object> document, Answer answer) {
        List<String> names = new ArrayList<>();
        for (String name : answer.fields().keySet()) {
            if (answer.unnamed().contains(name) && document.containsKey(name)
                    && !Objects.equals(document.get(name), answer.fields().get(name))) {
                names.add(name);
            }
        }
        return names;
    }
}
