package dev.llmwatcher.aws;

/**
 * The credentials secret cannot be used: missing, unreadable, or not the JSON shape we document. The message names
 * the secret and what to fix, and never contains any part of the secret's value.
 */
public class SecretException extends RuntimeException {

    public SecretException(String message) {
        super(message);
    }

    public SecretException(String message, Throwable cause) {
        super(message, cause);
    }
}
