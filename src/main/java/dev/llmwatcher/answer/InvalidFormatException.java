package dev.llmwatcher.answer;

/**
 * A queue document's {@code format} is neither a JSON schema, {@code "json"}, nor empty: the document is broken, so
 * it fails before any (paid) LLM call.
 */
public class InvalidFormatException extends Exception {

    public InvalidFormatException(String message) {
        super(message);
    }
}
