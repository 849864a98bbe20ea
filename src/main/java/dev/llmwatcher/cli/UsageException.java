package dev.llmwatcher.cli;

/** The command line itself is wrong (unknown flag, missing value); the message says which and how to fix it. */
public class UsageException extends RuntimeException {

    public UsageException(String message) {
        super(message);
    }
}
