package dev.llmwatcher.http;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A whole HTTP answer, body read.
 *
 * @param headers by lower-case name, values in the order received
 */
public record HttpAnswer(int status, Map<String, List<String>> headers, byte[] body) {

    /** The first value of a header, by case-insensitive name. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }
}
