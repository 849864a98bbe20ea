package dev.llmwatcher.cache;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The identity of one question: SHA-256 over everything that decides its answer (provider, the endpoint it is sent
 * to, model, rendered prompt, the format as sent, options), written as canonical JSON so that two documents asking
 * the same question get the same key however their pipelines spelled it: object keys are sorted at every depth and
 * numbers are compared by value ({@code 1}, {@code 1.0}, {@code 1e0} and {@code 1.00} are one number). The version
 * field lets a later change of what goes into the key start a new cache instead of misreading the old one.
 *
 * @param hex the SHA-256 in lower-case hex: the cache entry's {@code _id}
 */
public record CacheKey(String hex) {

    /** Bumped whenever what goes into the key, or how, changes. */
    static final int VERSION = 1;

    /** Sorted keys and plain decimals: one text per content. */
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    public CacheKey {
        Objects.requireNonNull(hex, "hex");
    }

    /**
     * @param endpoint where the provider's requests go (a URL, a region), so one model name on two servers is two
     *                 questions
     * @param format   the format as sent to the provider: a schema map, {@code "json"}, or null for free text
     * @param options  provider options; null means none, the same as empty
     */
    public static CacheKey of(String provider, String endpoint, String model, String prompt, Object format,
                              Map<String, Object> options) {
        Map<String, Object> question = new LinkedHashMap<>();
        question.put("v", VERSION);
        question.put("provider", provider == null ? null : provider.strip().toLowerCase(Locale.ROOT));
        question.put("endpoint", endpoint);
        question.put("model", model);
        question.put("prompt", prompt);
        question.put("format", format);
        question.put("options", options == null ? Map.of() : options);
        return new CacheKey(sha256(canonicalJson(question)));
    }

    /** The canonical JSON text of a value made of maps, lists, strings, numbers, booleans and nulls. */
    static String canonicalJson(Object value) {
        try {
            return CANONICAL.writeValueAsString(normalised(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write the cache key's JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Maps sorted by key, numbers as their shortest exact decimal. */
    private static Object normalised(Object value) {
        return switch (value) {
            case Map<?, ?> map -> {
                Map<String, Object> sorted = new TreeMap<>();
                map.forEach((k, v) -> sorted.put(String.valueOf(k), normalised(v)));
                yield sorted;
            }
            case List<?> list -> {
                List<Object> items = new ArrayList<>(list.size());
                list.forEach(item -> items.add(normalised(item)));
                yield items;
            }
            case BigDecimal n -> plain(n);
            case BigInteger n -> plain(new BigDecimal(n));
            case Double n when n.isNaN() || n.isInfinite() -> n.toString();
            case Float n when n.isNaN() || n.isInfinite() -> n.toString();
            case Double n -> plain(BigDecimal.valueOf(n));
            case Float n -> plain(new BigDecimal(n.toString()));
            case Number n -> plain(BigDecimal.valueOf(n.longValue()));
            case null, default -> value;
        };
    }

    private static BigDecimal plain(BigDecimal n) {
        BigDecimal stripped = n.stripTrailingZeros();
        return stripped.signum() == 0 ? BigDecimal.ZERO : stripped;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
