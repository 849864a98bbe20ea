package dev.llmwatcher.llm;

/** A queue document names a provider we have no client for; the message lists the ones we have. */
public class UnknownProviderException extends IllegalArgumentException {

    public UnknownProviderException(String message) {
        super(message);
    }
}
