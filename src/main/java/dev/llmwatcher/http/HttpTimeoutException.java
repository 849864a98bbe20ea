package dev.llmwatcher.http;

import java.io.IOException;

/** The whole exchange (connecting, sending, waiting for and reading the answer) did not finish within its timeout. */
public final class HttpTimeoutException extends IOException {

    public HttpTimeoutException(String message) {
        super(message);
    }
}
