package dev.llmwatcher.queue;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The configured sort field, written {@code name} or {@code name:type}. The queue index maps user fields with
 * {@code dynamic: false}, so a field must be mapped explicitly to sort on it: the template installer maps it with
 * {@code type}, and the scan uses {@code type} as {@code unmapped_type} so a queue index without that mapping
 * still answers. The type defaults to {@code date}, the usual choice ({@code @timestamp}, {@code created_at}).
 */
public record SortField(String name, String type) {

    public static final String DEFAULT_TYPE = "date";

    /** Types that make sense to sort on and accept {@code ignore_malformed} (except keyword). */
    public static final Set<String> TYPES = Set.of("date", "date_nanos", "long", "integer", "short", "byte",
            "double", "float", "half_float", "scaled_float", "unsigned_long", "keyword", "boolean");

    public SortField {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("sort field name is empty");
        }
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("sort field type '" + type + "' of '" + name + "' is not one of "
                    + TYPES.stream().sorted().toList());
        }
    }

    /** Parses {@code name} or {@code name:type}. */
    public static SortField parse(String spec) {
        String trimmed = spec == null ? "" : spec.strip();
        int colon = trimmed.lastIndexOf(':');
        if (colon < 0) {
            return new SortField(trimmed, DEFAULT_TYPE);
        }
        return new SortField(trimmed.substring(0, colon).strip(),
                trimmed.substring(colon + 1).strip().toLowerCase(Locale.ROOT));
    }

    public static Optional<SortField> parse(Optional<String> spec) {
        return spec.filter(s -> !s.isBlank()).map(SortField::parse);
    }
}
