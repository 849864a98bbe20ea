package dev.llmwatcher.prompt;

/** The prompt template could not be rendered for this document; the message names the problem and its line. */
public class PromptException extends Exception {

    public PromptException(String message, Throwable cause) {
        super(message, cause);
    }

    public PromptException(String message) {
        super(message);
    }
}
