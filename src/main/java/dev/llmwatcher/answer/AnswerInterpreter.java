package dev.llmwatcher.answer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import dev.llmwatcher.config.AnswerPolicy;
import dev.llmwatcher.llm.LlmAnswer;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Turns a model's raw text into something safe to store. The answer is untrusted input (the document it was asked
 * about may have told the model what to say), so it is bounded in size, and a schema answer keeps only the fields
 * its schema declares ({@link DeclaredFields}; the others are dropped, or fail it when the policy says so) before
 * what is left is validated: what is validated is exactly what is stored. Models wrap JSON in reasoning ({@code
 * <think>…</think>}) and Markdown fences even when told not to; both are removed. A structured answer must be one
 * JSON object that sets no field starting with {@code _}, since those belong to Elasticsearch and to us.
 * Thread-safe and stateless apart from the shared schema cache.
 */
public final class AnswerInterpreter {

    private static final int SHOWN_CHARS = 200;
    private static final Pattern THINK_BLOCK = Pattern.compile("(?is)<think>.*?</think>");
    private static final Pattern FENCE = Pattern.compile("(?s)^```[a-zA-Z0-9_-]*\\s*\\n?(.*?)\\n?\\s*```$");

    /** Built on the first answer, not when the watcher is: a pass over an empty queue never needs it. */
    private static final class Strict {
        static final ObjectMapper MAPPER = new ObjectMapper()
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    }

    private final AnswerBounds bounds;
    private final boolean failOnUndeclared;

    /** An interpreter with the default policy: generous bounds, undeclared fields dropped. */
    public AnswerInterpreter() {
        this(AnswerPolicy.DEFAULT);
    }

    public AnswerInterpreter(AnswerPolicy policy) {
        this.bounds = new AnswerBounds(policy.maxAnswerBytes(), policy.maxAnswerFields());
        this.failOnUndeclared = policy.failsOnUndeclaredFields();
    }

    /** @param format the document's {@code format} value, checked with {@link FormatSpec#parse(Object)} */
    public Answer interpret(LlmAnswer answer, Object format) throws AnswerException, InvalidFormatException {
        return interpret(answer, FormatSpec.parse(format));
    }

    /** @param format from {@link FormatSpec#parse(Object)}; null means text */
    public Answer interpret(LlmAnswer answer, FormatSpec format) throws AnswerException {
        if (format == null) {
            return interpret(answer, FormatSpec.TEXT);
        }
        String text = stripThinking(answer.text() == null ? "" : answer.text()).strip();
        bounds.checkSize(text);
        if (!format.expectsObject()) {
            if (text.isEmpty()) {
                throw new AnswerException("the answer is empty");
            }
            return Answer.text(text);
        }
        ObjectNode node = parseObject(stripFence(text));
        bounds.checkFields(node);
        checkProtectedFields(node);
        if (!format.hasSchema()) {
            return Answer.schemaless(fields(node));
        }
        DeclaredFields.Retained retained = format.declared().retainDeclared(node);
        if (failOnUndeclared && !retained.dropped().isEmpty()) {
            throw new AnswerException("the answer sets " + FieldNames.count(retained.dropped().size())
                    + " the schema does not declare: " + FieldNames.shown(retained.dropped())
                    + "; nothing was stored (--undeclared-fields fail)");
        }
        List<Error> errors = format.schema().validate(node);
        if (!errors.isEmpty()) {
            throw new AnswerException("the answer does not match the schema: " + SchemaCompiler.describe(errors));
        }
        return Answer.declared(fields(node), retained.dropped(), retained.rootExtras());
    }

    /**
     * The object as plain maps, lists and scalars, numbers as parsed (floats as {@code BigDecimal}, so no digit of
     * the model's answer is rounded away). A walk of the tree: {@code ObjectMapper.convertValue} cost several
     * times more for the same result on every answer.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> fields(JsonNode object) {
        return (Map<String, Object>) plain(object);
    }

    private static Object plain(JsonNode node) {
        return switch (node.getNodeType()) {
            case OBJECT -> {
                Map<String, Object> fields = new LinkedHashMap<>();
                node.properties().forEach(field -> fields.put(field.getKey(), plain(field.getValue())));
                yield fields;
            }
            case ARRAY -> {
                List<Object> items = new ArrayList<>(node.size());
                node.forEach(item -> items.add(plain(item)));
                yield items;
            }
            case NUMBER -> node.numberValue();
            case STRING -> node.textValue();
            case BOOLEAN -> node.booleanValue();
            case NULL, MISSING -> null;
            case BINARY, POJO -> node.toString();
        };
    }

    /**
     * Removes complete {@code <think>} blocks. A reply that opens one and never closes it is all reasoning (the
     * model ran out of tokens while thinking) and yields nothing; a {@code </think>} without an opening tag (some
     * chat templates put the opening tag in the prompt) drops everything before it.
     */
    static String stripThinking(String text) {
        String stripped = THINK_BLOCK.matcher(text).replaceAll("");
        int open = indexOfIgnoreCase(stripped, "<think>");
        if (open >= 0) {
            stripped = stripped.substring(0, open);
        }
        int close = indexOfIgnoreCase(stripped, "</think>");
        if (close >= 0) {
            stripped = stripped.substring(close + "</think>".length());
        }
        return stripped;
    }

    static String stripFence(String text) {
        var matcher = FENCE.matcher(text);
        return matcher.matches() ? matcher.group(1).strip() : text;
    }

    private static ObjectNode parseObject(String text) throws AnswerException {
        if (text.isEmpty()) {
            throw new AnswerException("the answer is empty, a JSON object was expected");
        }
        JsonNode node;
        try {
            node = Strict.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AnswerException("the answer is not valid JSON (" + e.getOriginalMessage() + "): "
                    + shown(text));
        }
        if (!(node instanceof ObjectNode object)) {
            throw new AnswerException("the answer is not a JSON object: " + shown(text));
        }
        return object;
    }

    private static void checkProtectedFields(JsonNode node) throws AnswerException {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (name.startsWith("_")) {
                throw new AnswerException("the answer may not set the protected field \"" + name
                        + "\" (fields starting with _ belong to Elasticsearch and llm-watcher)");
            }
        }
    }

    private static String shown(String text) {
        return text.length() <= SHOWN_CHARS ? text : text.substring(0, SHOWN_CHARS) + "…";
    }

    private static int indexOfIgnoreCase(String text, String needle) {
        return text.toLowerCase(java.util.Locale.ROOT).indexOf(needle);
    }
}
