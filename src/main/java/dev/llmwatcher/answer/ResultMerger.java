package dev.llmwatcher.answer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds the document that goes back to its original index: the user's fields plus the answer, as the original
 * script did ({@code {"message": "I love it!", "scale": 5}}). Our {@code _llm_watcher} bookkeeping never leaves the
 * queue.
 */
public final class ResultMerger {

    public static final String DEFAULT_TEXT_FIELD = "llm_output";
    public static final String WATCHER_FIELD = "_llm_watcher";

    /**
     * @param source      the queue document's source; not modified (nested values are shared, not copied)
     * @param targetField where to put the answer; null or blank to merge a structured answer at the root and to put
     *                    a text answer under {@value #DEFAULT_TEXT_FIELD}
     * @throws AnswerException when {@code targetField} is a protected ({@code _}-prefixed) name
     */
    public Map<String, Object> merge(Map<String, Object> source, Answer answer, String targetField)
            throws AnswerException {
        String target = targetField == null || targetField.isBlank() ? null : targetField.strip();
        if (target != null && target.startsWith("_")) {
            throw new AnswerException("target_field \"" + target + "\" is protected (fields starting with _ belong "
                    + "to Elasticsearch and llm-watcher)");
        }
        Map<String, Object> merged = new LinkedHashMap<>(source);
        merged.remove(WATCHER_FIELD);
        if (!answer.isStructured()) {
            merged.put(target != null ? target : DEFAULT_TEXT_FIELD, answer.text());
        } else if (target != null) {
            merged.put(target, answer.fields());
        } else {
            merged.putAll(answer.fields());
        }
        return merged;
    }
}
