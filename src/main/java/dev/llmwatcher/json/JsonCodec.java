package dev.llmwatcher.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON as plain Java values (maps, lists, strings, numbers, booleans, null) with Jackson's streaming core only:
 * what Elasticsearch requests and answers and the metrics lines need, without loading and configuring databind
 * (a quarter of a second of a cold start). Objects read as {@link LinkedHashMap}s in document order; integers as
 * {@code Integer}, {@code Long} or {@code BigInteger}, other numbers as {@code Double}, like databind's defaults.
 */
public final class JsonCodec {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.defaults()).build();

    private JsonCodec() {
    }

    /** The JSON value in {@code bytes}; an empty input is an error. */
    public static Object read(byte[] bytes) throws IOException {
        try (JsonParser parser = FACTORY.createParser(bytes)) {
            if (parser.nextToken() == null) {
                throw new IOException("no JSON value in an empty input");
            }
            Object value = value(parser);
            if (parser.nextToken() != null) {
                throw new IOException("more than one JSON value in the input");
            }
            return value;
        }
    }

    /** Reads a JSON object; anything else is an {@link IOException}. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> readObject(byte[] bytes) throws IOException {
        Object value = read(bytes);
        if (value instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw new IOException("expected a JSON object, found " + (value == null ? "null" : value.getClass()
                .getSimpleName()));
    }

    public static byte[] write(Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        write(out, value);
        return out.toByteArray();
    }

    public static String writeString(Object value) {
        return new String(write(value), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Writes one value (one line's worth, no newline) to {@code out}, which stays open. */
    public static void write(OutputStream out, Object value) {
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            generator.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            value(generator, value, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes each value followed by a newline (NDJSON, as a bulk request body), all with one generator rather than
     * one per line. {@code out} stays open.
     */
    public static void writeLines(OutputStream out, Iterable<?> values) {
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            generator.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            generator.setRootValueSeparator(null);
            for (Object value : values) {
                value(generator, value, false);
                generator.writeRaw('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** With every object's keys sorted: one text per content, for content hashes. */
    public static String writeSorted(Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            value(generator, value, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static Object value(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        return switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    parser.nextToken();
                    map.put(name, value(parser));
                }
                yield map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    list.add(value(parser));
                }
                yield list;
            }
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT -> parser.getNumberValue();
            case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new IOException("unexpected JSON token " + token);
        };
    }

    private static void value(JsonGenerator out, Object value, boolean sorted) throws IOException {
        switch (value) {
            case null -> out.writeNull();
            case String text -> out.writeString(text);
            case Boolean flag -> out.writeBoolean(flag);
            case Integer n -> out.writeNumber(n);
            case Long n -> out.writeNumber(n);
            case Double n -> out.writeNumber(n);
            case Float n -> out.writeNumber(n);
            case BigDecimal n -> out.writeNumber(n);
            case BigInteger n -> out.writeNumber(n);
            case Short n -> out.writeNumber(n);
            case Byte n -> out.writeNumber(n);
            case Map<?, ?> map -> {
                out.writeStartObject();
                Map<?, ?> entries = sorted ? new TreeMap<>(map) : map;
                for (Map.Entry<?, ?> entry : entries.entrySet()) {
                    out.writeFieldName(String.valueOf(entry.getKey()));
                    value(out, entry.getValue(), sorted);
                }
                out.writeEndObject();
            }
            case JsonNode node -> value(out, Json.mapper().convertValue(node, Object.class), sorted);
            case Iterable<?> items -> {
                out.writeStartArray();
                for (Object item : items) {
                    value(out, item, sorted);
                }
                out.writeEndArray();
            }
            case Object[] items -> value(out, java.util.Arrays.asList(items), sorted);
            case Enum<?> constant -> out.writeString(constant.name());
            default -> out.writeString(value.toString());
        }
    }
}
