package dev.llmwatcher.aws;

import dev.llmwatcher.backfill.SourceSelection;
import dev.llmwatcher.engine.backfill.BackfillInstructions;
import dev.llmwatcher.engine.backfill.EnqueueRequest;
import dev.llmwatcher.engine.backfill.Enqueuer;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * A backfill started from Lambda ({@code sam remote invoke} with {@code events/enqueue.json}): the watcher function
 * takes an input with an {@code enqueue} object ({@code from}, {@code query}, {@code provider}, {@code model},
 * {@code prompt}, {@code schema}, {@code options}, {@code target_field}, {@code backfill_id}, {@code slices},
 * {@code dry_run}, {@code sample}) as {@code llm-watcher enqueue} takes its flags, and queues instead of draining.
 */
record EnqueueEvent(EnqueueRequest request, boolean dryRun, int sample) {

    static final String KEY = "enqueue";

    /** The event's backfill, when the input asks for one. */
    static Optional<EnqueueEvent> from(Map<String, Object> input, String queueIndex, Clock clock) {
        if (input == null || !(input.get(KEY) instanceof Map<?, ?> body)) {
            return Optional.empty();
        }
        Map<?, ?> e = body;
        String from = string(e.get("from"));
        String prompt = string(e.get("prompt"));
        if (from == null || prompt == null) {
            throw new IllegalArgumentException("invalid enqueue input: \"from\" and \"prompt\" are required");
        }
        Object options = e.get("options");
        if (options != null && !(options instanceof Map)) {
            throw new IllegalArgumentException("invalid enqueue input: \"options\" must be an object");
        }
        Object query = e.get("query");
        if (query != null && !(query instanceof Map)) {
            throw new IllegalArgumentException("invalid enqueue input: \"query\" must be a Query DSL object");
        }
        @SuppressWarnings("unchecked")
        BackfillInstructions instructions = new BackfillInstructions(string(e.get("provider")),
                string(e.get("model")), prompt, e.get("schema"), (Map<String, Object>) options,
                string(e.get("target_field")));
        String backfillId = Optional.ofNullable(string(e.get("backfill_id")))
                .orElseGet(() -> Enqueuer.newBackfillId(clock));
        @SuppressWarnings("unchecked")
        SourceSelection selection = new SourceSelection(from, (Map<String, Object>) query);
        EnqueueRequest request = new EnqueueRequest(selection, queueIndex, instructions, backfillId,
                number(e.get("slices"), EnqueueRequest.DEFAULT_SLICES), EnqueueRequest.DEFAULT_PAGE_SIZE, null);
        return Optional.of(new EnqueueEvent(request, Boolean.TRUE.equals(e.get("dry_run")),
                number(e.get("sample"), 100)));
    }

    private static String string(Object value) {
        return value == null ? null : value.toString();
    }

    private static int number(Object value, int otherwise) {
        if (value == null) {
            return otherwise;
        }
        if (value instanceof Number n && n.intValue() >= 1 && n.doubleValue() == n.intValue()) {
            return n.intValue();
        }
        throw new IllegalArgumentException("invalid enqueue input: expected a whole number of at least 1, got "
                + value);
    }
}
