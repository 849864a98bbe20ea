package dev.llmwatcher.engine.backfill;

import dev.llmwatcher.queue.QueueFields;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The instructions a backfill puts on every document it queues, as {@code setup} takes them for the pipeline. A null
 * provider, model or format gets the stored script's default, so a backfilled document looks to the drain exactly
 * like one the pipeline queued.
 *
 * @param format      a JSON schema object, the string {@code json}, or null (no schema)
 * @param targetField put the answer under this field instead of merging it at the root; null = merge
 */
public record BackfillInstructions(String provider, String model, String prompt, Object format,
                                   Map<String, Object> options, String targetField) {

    public BackfillInstructions {
        if (prompt == null || prompt.isBlank()) {
            throw new IllegalArgumentException("a backfill needs a prompt (--prompt or \"prompt\" in "
                    + "--pipeline-file)");
        }
    }

    /** The contract fields of {@code _llm_watcher}, as the stored script writes them (without the index). */
    public Map<String, Object> meta() {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put(QueueFields.PROVIDER, provider == null ? "ollama" : provider);
        meta.put(QueueFields.MODEL, model == null ? QueueFields.DEFAULT_MODEL : model);
        meta.put(QueueFields.PROMPT, prompt);
        meta.put(QueueFields.FORMAT, format == null ? new LinkedHashMap<>() : format);
        meta.put(QueueFields.OPTIONS, options);
        if (targetField != null && !targetField.isBlank()) {
            meta.put(QueueFields.TARGET_FIELD, targetField);
        }
        return meta;
    }
}
