package dev.llmwatcher.answer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The size an answer may have before it is stored: a model told by a document to write a novel, or a thousand
 * fields, must not grow the user's index without limit (each new field name is a new mapping, and an index takes
 * 1,000 by default). Fields are counted as Elasticsearch maps them: distinct paths, nested objects' fields each
 * counted, the items of an array counted once ({@code tags.name} is one field however many tags there are).
 *
 * @param maxBytes  the longest answer, in UTF-8 bytes, after the model's reasoning is removed
 * @param maxFields the most distinct field paths of an answer object
 */
record AnswerBounds(int maxBytes, int maxFields) {

    /** @throws AnswerException when the text is longer than {@link #maxBytes} */
    void checkSize(String text) throws AnswerException {
        if ((long) text.length() * 3 <= maxBytes) {
            return;
        }
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxBytes) {
            throw new AnswerException("the answer is " + bytes + " bytes long, more than the limit of " + maxBytes
                    + " (--max-answer-bytes); nothing was stored");
        }
    }

    /** @throws AnswerException when the object has more than {@link #maxFields} distinct field paths */
    void checkFields(JsonNode answer) throws AnswerException {
        Set<String> paths = new HashSet<>();
        if (!collect(answer, "", paths)) {
            throw new AnswerException("the answer has more than " + maxFields + " fields (--max-answer-fields; "
                    + "nested fields count, each distinct path once); nothing was stored");
        }
    }

    /** Adds the paths under {@code node}; false as soon as there are too many. */
    private boolean collect(JsonNode node, String prefix, Set<String> paths) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String path = prefix + field.getKey();
                if (paths.add(path) && paths.size() > maxFields) {
                    return false;
                }
                if (!collect(field.getValue(), path + ".", paths)) {
                    return false;
                }
            }
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                if (!collect(item, prefix, paths)) {
                    return false;
                }
            }
        }
        return true;
    }
}
