package dev.llmwatcher.engine;

import dev.llmwatcher.queue.QueuedDocument;

import java.util.Map;
import java.util.Optional;

/**
 * Reads the queue document contract ({@code _llm_watcher}, as the stored {@code llm} script writes it), applying
 * the script's defaults for anything it would have defaulted.
 */
public final class InstructionsReader {

    public static final String DEFAULT_PROVIDER = "ollama";
    public static final String DEFAULT_MODEL = dev.llmwatcher.queue.QueueFields.DEFAULT_MODEL;

    private InstructionsReader() {
    }

    public static Instructions read(QueuedDocument document) throws InvalidDocumentException {
        Object metaValue = document.source().get(QueuedDocument.META_FIELD);
        if (!(metaValue instanceof Map<?, ?>)) {
            throw new InvalidDocumentException(metaValue == null
                    ? "the document has no _llm_watcher object; was it queued by the llm pipeline?"
                    : "_llm_watcher is not an object but " + typeName(metaValue));
        }
        Map<String, Object> meta = document.meta();
        String prompt = text(meta, "prompt", null);
        if (prompt == null || prompt.isBlank()) {
            throw new InvalidDocumentException("no prompt: _llm_watcher.prompt is missing or empty; "
                    + "set the 'prompt' parameter of the llm pipeline's script processor");
        }
        String originalIndex = text(meta, "_original_index", null);
        if (originalIndex == null || originalIndex.isBlank()) {
            throw new InvalidDocumentException("no _llm_watcher._original_index: the result has nowhere to go");
        }
        Object options = meta.get("options");
        if (options != null && !(options instanceof Map<?, ?>)) {
            throw new InvalidDocumentException("_llm_watcher.options must be an object or null, not "
                    + typeName(options));
        }
        Optional<String> targetField = Optional.ofNullable(text(meta, "target_field", null)).filter(f -> !f.isBlank());
        if (targetField.filter(f -> f.startsWith("_")).isPresent()) {
            throw new InvalidDocumentException("_llm_watcher.target_field '" + targetField.get()
                    + "' starts with '_': fields starting with '_' are reserved");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> optionMap = options == null ? Map.of() : (Map<String, Object>) options;
        return new Instructions(text(meta, "provider", DEFAULT_PROVIDER), text(meta, "model", DEFAULT_MODEL), prompt,
                meta.get("format"), optionMap, originalIndex, targetField, document.attempts());
    }

    private static String text(Map<String, Object> meta, String field, String fallback) throws InvalidDocumentException {
        Object value = meta.get(field);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof String s)) {
            throw new InvalidDocumentException("_llm_watcher." + field + " must be a string, not " + typeName(value));
        }
        return s;
    }

    static String typeName(Object value) {
        return switch (value) {
            case Map<?, ?> m -> "an object";
            case java.util.List<?> l -> "an array";
            case String s -> "a string";
            case Number n -> "a number";
            case Boolean b -> "a boolean";
            default -> value.getClass().getSimpleName();
        };
    }
}
