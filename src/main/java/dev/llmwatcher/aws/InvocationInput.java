package dev.llmwatcher.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Per-schedule overrides an invocation's input may carry, read from any JSON input: an EventBridge Scheduler
 * ({@code ScheduleV2}) {@code Input}, a classic rule's constant input, or the {@code detail} of a classic
 * {@code ScheduledEvent}. Every other key is ignored, so the classic event's own fields do no harm.
 *
 * @param watchIndex   drain this queue index instead of the configured one
 * @param maxDocuments claim at most this many documents in this invocation
 * @param fannedOut    started by a scheduled invocation's fan-out ({@link FanOut}): it never fans out itself
 */
public record InvocationInput(Optional<String> watchIndex, Optional<Integer> maxDocuments, boolean fannedOut) {

    public static final String WATCH_INDEX = "watch_index";
    public static final String MAX_DOCUMENTS = "max_documents";
    public static final String FANNED_OUT = "fanned_out";

    public InvocationInput(Optional<String> watchIndex, Optional<Integer> maxDocuments) {
        this(watchIndex, maxDocuments, false);
    }

    private static final Pattern INDEX_NAME = Pattern.compile("[a-z0-9][a-z0-9._+-]{0,254}");

    /** Reads the overrides; throws {@link IllegalArgumentException} naming every bad one. */
    public static InvocationInput from(Map<String, Object> input) {
        Map<String, Object> top = input == null ? Map.of() : input;
        Map<String, Object> detail = top.get("detail") instanceof Map<?, ?> d ? cast(d) : Map.of();
        List<String> problems = new ArrayList<>();
        Optional<String> index = value(top, detail, WATCH_INDEX).map(v -> index(v, problems));
        Optional<Integer> max = value(top, detail, MAX_DOCUMENTS).map(v -> positive(v, problems));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid invocation input: " + String.join("; ", problems));
        }
        boolean fannedOut = value(top, detail, FANNED_OUT).map(v -> Boolean.TRUE.equals(v)
                || "true".equals(String.valueOf(v).strip())).orElse(false);
        return new InvocationInput(index, max, fannedOut);
    }

    /** The input of a drainer this invocation starts ({@link FanOut}): the same queue and document limit. */
    Map<String, Object> forFanOut(String queue) {
        Map<String, Object> input = new java.util.LinkedHashMap<>();
        input.put(WATCH_INDEX, queue);
        maxDocuments.ifPresent(max -> input.put(MAX_DOCUMENTS, max));
        return input;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> map) {
        return (Map<String, Object>) map;
    }

    private static Optional<Object> value(Map<String, Object> top, Map<String, Object> detail, String key) {
        return Optional.ofNullable(top.get(key)).or(() -> Optional.ofNullable(detail.get(key)));
    }

    private static String index(Object value, List<String> problems) {
        String name = String.valueOf(value).strip();
        if (!(value instanceof String) || !INDEX_NAME.matcher(name).matches()) {
            problems.add(WATCH_INDEX + ": '" + name + "' is not a valid index name (lowercase letters, digits, "
                    + "and . _ + - after the first character)");
        }
        return name;
    }

    private static Integer positive(Object value, List<String> problems) {
        try {
            long parsed = value instanceof Number n && n.doubleValue() == n.longValue()
                    ? n.longValue() : Long.parseLong(String.valueOf(value).strip());
            if (parsed >= 1 && parsed <= Integer.MAX_VALUE) {
                return (int) parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(MAX_DOCUMENTS + ": expected a whole number of at least 1, got '" + value + "'");
        return 1;
    }
}
