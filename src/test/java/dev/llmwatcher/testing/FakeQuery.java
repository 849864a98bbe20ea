package dev.llmwatcher.testing;

import java.util.List;
import java.util.Map;

/**
 * The few Query DSL clauses the tests select backfills with, evaluated over a source map as Elasticsearch would on a
 * keyword, number or boolean field: {@code match_all}, {@code term}, {@code exists}, and {@code bool} with
 * {@code filter}, {@code must} and {@code must_not}. Anything else is refused, so a test cannot rely on a clause the
 * fake only pretends to understand.
 */
final class FakeQuery {

    private FakeQuery() {
    }

    @SuppressWarnings("unchecked")
    static boolean matches(Map<String, Object> query, Map<String, Object> source) {
        if (query.isEmpty()) {
            return true;
        }
        if (query.size() != 1) {
            throw new IllegalArgumentException("one clause per query object: " + query);
        }
        Map.Entry<String, Object> clause = query.entrySet().iterator().next();
        Map<String, Object> body = (Map<String, Object>) clause.getValue();
        return switch (clause.getKey()) {
            case "match_all" -> true;
            case "exists" -> value(source, (String) body.get("field")) != null;
            case "term" -> {
                Map.Entry<String, Object> term = body.entrySet().iterator().next();
                Object wanted = term.getValue() instanceof Map<?, ?> m ? m.get("value") : term.getValue();
                Object actual = value(source, term.getKey());
                yield actual != null && (actual.equals(wanted) || actual instanceof Number a
                        && wanted instanceof Number w && a.doubleValue() == w.doubleValue());
            }
            case "bool" -> all(body.get("filter"), source, true) && all(body.get("must"), source, true)
                    && all(body.get("must_not"), source, false);
            default -> throw new IllegalArgumentException("the fake store does not evaluate " + clause.getKey());
        };
    }

    @SuppressWarnings("unchecked")
    private static boolean all(Object clauses, Map<String, Object> source, boolean wanted) {
        if (clauses == null) {
            return true;
        }
        List<Object> list = clauses instanceof List<?> l ? (List<Object>) l : List.of(clauses);
        return list.stream().allMatch(c -> matches((Map<String, Object>) c, source) == wanted);
    }

    /** A dotted path's value, or null. */
    private static Object value(Map<String, Object> source, String path) {
        Object current = source;
        for (String part : path.split("\\.")) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = map.get(part);
        }
        return current;
    }
}
