package dev.llmwatcher.engine;

/**
 * A queue document that cannot be processed as it is (no prompt, no original index, a bad template, ...). It fails
 * before any LLM call, so it costs nothing; the message tells the user what to fix in the pipeline or document.
 */
public class InvalidDocumentException extends Exception {

    public InvalidDocumentException(String message) {
        super(message);
    }

    public InvalidDocumentException(String message, Throwable cause) {
        super(message, cause);
    }
}
