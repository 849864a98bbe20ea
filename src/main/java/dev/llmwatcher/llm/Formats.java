package dev.llmwatcher.llm;

import java.util.Map;

/** How clients read {@link LlmRequest#format()}: an empty map means "no schema", as the queue pipeline writes it. */
public final class Formats {

    private Formats() {
    }

    public static boolean isPresent(Object format) {
        return format != null && !(format instanceof Map<?, ?> map && map.isEmpty());
    }

    public static boolean isSchema(Object format) {
        return format instanceof Map<?, ?> map && !map.isEmpty();
    }
}
