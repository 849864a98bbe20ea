package dev.llmwatcher.elasticsearch;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reading values out of a parsed JSON answer (maps and lists) without a cast at every step. */
public final class JsonPath {

    private JsonPath() {
    }

    /** The value at {@code keys} below {@code root}, or null when any step is missing or not an object. */
    public static Object at(Object root, String... keys) {
        Object current = root;
        for (String key : keys) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = map.get(key);
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object root, String... keys) {
        return at(root, keys) instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
    }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Object root, String... keys) {
        return at(root, keys) instanceof List<?> list ? (List<Object>) list : List.of();
    }

    public static Optional<Long> number(Object root, String... keys) {
        return at(root, keys) instanceof Number n ? Optional.of(n.longValue()) : Optional.empty();
    }

    /** A number that may be a double ({@code min} aggregations), or empty when missing or not finite. */
    public static Optional<Double> decimal(Object root, String... keys) {
        return at(root, keys) instanceof Number n && Double.isFinite(n.doubleValue())
                ? Optional.of(n.doubleValue()) : Optional.empty();
    }

    public static Optional<String> text(Object root, String... keys) {
        return at(root, keys) instanceof String s ? Optional.of(s) : Optional.empty();
    }
}
