package dev.llmwatcher.config;

import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * The proxies the usual environment variables name for LLM calls: {@code HTTP_PROXY} for {@code http://} providers,
 * {@code HTTPS_PROXY} for {@code https://} ones, and {@code NO_PROXY}'s hosts reached directly. Read from the
 * configuration's map like every other setting, so a command line, a Lambda function and a test all see the same
 * variables. Each proxy is an {@code http://host:port} URL without credentials.
 *
 * @param noProxy host names, domain suffixes ({@code .corp.example}), {@code host:port}, or {@code *} for all
 */
public record ProxySettings(Optional<URI> http, Optional<URI> https, List<String> noProxy) {

    public static final ProxySettings NONE = new ProxySettings(Optional.empty(), Optional.empty(), List.of());

    public ProxySettings {
        noProxy = List.copyOf(noProxy);
    }
}
