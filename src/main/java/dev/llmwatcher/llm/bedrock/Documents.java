package dev.llmwatcher.llm.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.core.document.Document;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Between the plain values of a queue document (maps, lists, strings, numbers, booleans) and the AWS SDK's
 * {@link Document}, which is how the Converse API carries free-form JSON: a tool's input schema, model-specific
 * request fields and, back, the tool input that is the answer. Numbers keep every digit both ways.
 */
final class Documents {

    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

    private Documents() {
    }

    /** @throws IllegalArgumentException for a value that JSON cannot hold, naming its type */
    static Document of(Object value) {
        return switch (value) {
            case null -> Document.fromNull();
            case String text -> Document.fromString(text);
            case Boolean bool -> Document.fromBoolean(bool);
            case Integer number -> Document.fromNumber(number);
            case Long number -> Document.fromNumber(number);
            case BigInteger number -> Document.fromNumber(number);
            case BigDecimal number -> Document.fromNumber(number);
            case Number number -> Document.fromNumber(new BigDecimal(number.toString()));
            case Map<?, ?> map -> {
                Map<String, Document> fields = new LinkedHashMap<>();
                map.forEach((key, item) -> fields.put(String.valueOf(key), of(item)));
                yield Document.fromMap(fields);
            }
            case List<?> list -> {
                List<Document> items = new ArrayList<>(list.size());
                list.forEach(item -> items.add(of(item)));
                yield Document.fromList(items);
            }
            default -> throw new IllegalArgumentException("a " + value.getClass().getSimpleName()
                    + " cannot be sent as JSON");
        };
    }

    /** The document as JSON text, e.g. a tool input to hand to the answer interpreter. */
    static String toJson(Document document) {
        return node(document).toString();
    }

    private static JsonNode node(Document document) {
        if (document == null || document.isNull()) {
            return NODES.nullNode();
        }
        if (document.isString()) {
            return NODES.textNode(document.asString());
        }
        if (document.isBoolean()) {
            return NODES.booleanNode(document.asBoolean());
        }
        if (document.isNumber()) {
            BigDecimal number = new BigDecimal(document.asNumber().stringValue());
            return number.scale() <= 0 && number.precision() - number.scale() <= 18
                    ? NODES.numberNode(number.longValueExact()) : NODES.numberNode(number);
        }
        if (document.isList()) {
            ArrayNode array = NODES.arrayNode();
            document.asList().forEach(item -> array.add(node(item)));
            return array;
        }
        ObjectNode object = NODES.objectNode();
        document.asMap().forEach((key, item) -> object.set(key, node(item)));
        return object;
    }
}
