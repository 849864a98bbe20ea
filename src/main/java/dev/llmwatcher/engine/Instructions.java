package dev.llmwatcher.engine;

import java.util.Map;
import java.util.Optional;

/**
 * What the pipeline asked for one document, read from its {@code _llm_watcher} object and checked.
 *
 * @param format      the raw {@code format} value: a schema map, {@code "json"}, or null/empty for free text
 * @param attempts    failed attempts so far (0 for a new document)
 */
public record Instructions(String provider, String model, String prompt, Object format, Map<String, Object> options,
                           String originalIndex, Optional<String> targetField, int attempts) {
}
