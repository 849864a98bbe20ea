package dev.llmwatcher.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Index name patterns as an Elasticsearch role's index privileges write them ({@code my-index*, logs-*}): names
 * with {@code *} wildcards, any one of which may match. The watcher writes an answer only into an index one of them
 * matches, so the same list can be given to the watcher and to its Elasticsearch role and both say the same thing.
 *
 * <p>Exclusions ({@code -name}, which Elasticsearch's multi-target syntax knows) are refused: a role's index
 * privileges have none (a name or pattern there only grants), so a list using one could not be written the same way
 * in the role.
 */
public final class IndexPatterns {

    /** Any index: the watcher's default, as before the setting existed. */
    public static final IndexPatterns ANY = new IndexPatterns(List.of("*"));

    private static final String FORBIDDEN = "\\/?\"<>| ,#:";

    private final List<String> patterns;
    /** All patterns as one expression, compiled once: every document's target is checked against it. */
    private final Pattern anyOf;

    private IndexPatterns(List<String> patterns) {
        this.patterns = List.copyOf(patterns);
        this.anyOf = Pattern.compile(this.patterns.stream().map(IndexPatterns::regex)
                .collect(Collectors.joining("|")));
    }

    /** The patterns as given, in order. */
    public List<String> patterns() {
        return patterns;
    }

    /**
     * Parses a comma-separated list.
     *
     * @throws IllegalArgumentException naming the first pattern that no index name could match, and why
     */
    public static IndexPatterns parse(String commaSeparated) {
        List<String> patterns = Arrays.stream(commaSeparated.split(",", -1)).map(String::strip).toList();
        for (String pattern : patterns) {
            check(pattern, commaSeparated);
        }
        return new IndexPatterns(patterns);
    }

    private static void check(String pattern, String all) {
        if (pattern.isEmpty()) {
            throw new IllegalArgumentException("an empty entry in the comma-separated list '" + all + "'");
        }
        if (pattern.startsWith("-")) {
            throw new IllegalArgumentException("'" + pattern + "': exclusions are not supported, since an "
                    + "Elasticsearch role has none; list the indices (or patterns) answers may go to");
        }
        if (!pattern.equals(pattern.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("'" + pattern + "': index names are lower case, so it matches nothing");
        }
        if (pattern.startsWith("_") || pattern.startsWith("+")) {
            throw new IllegalArgumentException("'" + pattern + "': index names cannot start with _ or +");
        }
        for (char c : pattern.toCharArray()) {
            if (FORBIDDEN.indexOf(c) >= 0 || Character.isISOControl(c)) {
                throw new IllegalArgumentException("'" + pattern + "': index names cannot contain '" + c
                        + "' (only * is a wildcard here)");
            }
        }
        if (pattern.length() > 255) {
            throw new IllegalArgumentException("a pattern of " + pattern.length() + " characters: index names have "
                    + "at most 255");
        }
    }

    /** True when {@code index} matches at least one pattern. */
    public boolean matches(String index) {
        return index != null && anyOf.matcher(index).matches();
    }

    /** True when every index matches (the default): nothing to check. */
    public boolean matchesAny() {
        return patterns.contains("*");
    }

    /** A pattern as a regular expression: {@code *} for any run of characters, everything else literal. */
    private static String regex(String pattern) {
        return Arrays.stream(pattern.split("\\*", -1)).map(part -> part.isEmpty() ? "" : Pattern.quote(part))
                .collect(Collectors.joining(".*"));
    }

    /** The list as it is written in the setting: {@code my-index*,logs-*}. */
    @Override
    public String toString() {
        return String.join(",", patterns);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof IndexPatterns that && patterns.equals(that.patterns);
    }

    @Override
    public int hashCode() {
        return patterns.hashCode();
    }
}
