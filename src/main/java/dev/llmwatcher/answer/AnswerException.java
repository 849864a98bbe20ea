package dev.llmwatcher.answer;

/**
 * The model answered, but not with something we may store: not JSON, not an object, not matching the schema, or
 * touching protected fields. The message is written for the user who reads it in {@code _llm_watcher.error}.
 */
public class AnswerException extends Exception {

    public AnswerException(String message) {
        super(message);
    }
}
