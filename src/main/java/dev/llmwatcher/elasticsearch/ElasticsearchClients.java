package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.TransportUtils;
import co.elastic.clients.transport.instrumentation.NoopInstrumentation;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import co.elastic.clients.transport.rest5_client.low_level.Rest5ClientBuilder;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.json.Json;
import dev.llmwatcher.store.FingerprintTrustManager;
import org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.DefaultHostnameVerifier;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.http.nio.ssl.TlsStrategy;
import org.apache.hc.core5.ssl.SSLContexts;
import org.apache.hc.core5.util.Timeout;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Builds the one {@link ElasticsearchClient} a process uses from {@link ElasticsearchSettings}: every URL a node
 * (the library's {@link Rest5Client} fails over from a dead node to the next and retries it later), basic auth or
 * an API key, TLS trusting a private CA with host names checked, the request timeout as both the connect
 * and the response timeout, and {@code compatible-with=8} so 8.x and 9.x clusters both answer. An error answer's
 * body is kept, so what a proxy or load balancer said in place of Elasticsearch can be shown.
 *
 * <p>Answers are not asked to be compressed: Apache HttpClient asks for gzip by default, which made
 * Elasticsearch compress every search page and the watcher inflate it (10% of the watcher's allocations in a
 * benchmark drain), to save bytes that mostly travel inside a data centre or a VPC.
 *
 * <p>No OpenTelemetry instrumentation: the watcher reports its own metrics, and passing the no-op instrumentation
 * keeps the transport from looking for an OpenTelemetry runtime, so those jars are not shipped.
 */
public final class ElasticsearchClients {

    /** Accepted by 8.x and 9.x servers alike; the library's own {@code compatible-with=9} is refused by 8.x. */
    static final String COMPATIBLE_WITH_8 = "application/vnd.elasticsearch+json; compatible-with=8";

    /** Connections kept per node: enough for the engine's parallel claims, write-backs and scans. */
    private static final int CONNECTIONS_PER_NODE = 64;

    private ElasticsearchClients() {
    }

    /** A client for these settings; nothing is sent until its first request. Close its transport when done. */
    public static ElasticsearchClient create(ElasticsearchSettings settings) {
        Rest5ClientBuilder builder = Rest5Client.builder(settings.urls())
                .setDefaultHeaders(authorization(settings).stream().toArray(Header[]::new))
                .setRequestConfigCallback(request -> request
                        .setResponseTimeout(Timeout.of(settings.requestTimeout()))
                        .setConnectionRequestTimeout(Timeout.of(settings.requestTimeout())))
                .setConnectionConfigCallback(connection -> connection
                        .setConnectTimeout(Timeout.of(settings.requestTimeout())))
                .setHttpClientConfigCallback(HttpAsyncClientBuilder::disableContentCompression)
                .setConnectionManagerCallback(pool -> pool
                        .setMaxConnPerRoute(CONNECTIONS_PER_NODE)
                        .setMaxConnTotal(CONNECTIONS_PER_NODE * settings.urls().size())
                        .setTlsStrategy(tlsStrategy(settings)));
        Rest5ClientTransport transport = new Rest5ClientTransport(builder.build(),
                new JacksonJsonpMapper(Json.mapper()), null, NoopInstrumentation.INSTANCE);
        return new ElasticsearchClient(transport).withTransportOptions(options -> options
                .keepResponseBodyOnException(true)
                .setHeader("Accept", COMPATIBLE_WITH_8)
                .setHeader("Content-Type", COMPATIBLE_WITH_8));
    }

    private static Optional<Header> authorization(ElasticsearchSettings settings) {
        if (settings.apiKey().isPresent()) {
            return Optional.of(new BasicHeader("Authorization", "ApiKey " + encodedApiKey(settings.apiKey().get())));
        }
        return settings.username().map(username -> {
            String pair = username + ":" + settings.password().orElse("");
            return new BasicHeader("Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        });
    }

    /**
     * Elasticsearch wants {@code base64(id:api_key)} (the {@code encoded} value its API returns); an {@code id:key}
     * pair is encoded here so either form a user copies works.
     */
    public static String encodedApiKey(String apiKey) {
        if (!apiKey.contains(":")) {
            return apiKey;
        }
        return Base64.getEncoder().encodeToString(apiKey.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * TLS trusting the configured CA (the file through the library's helper; the fingerprint through
     * {@link FingerprintTrustManager}, which checks the chain), or the JDK's default CAs; the server's host name is
     * checked either way, by the JDK and by Apache HttpClient's verifier (the transport's default TLS strategy
     * checks none: a certificate for another host was accepted).
     */
    private static TlsStrategy tlsStrategy(ElasticsearchSettings settings) {
        SSLContext context;
        if (settings.caCertificate().isPresent()) {
            try {
                context = TransportUtils.sslContextFromHttpCaCrt(settings.caCertificate().get().toFile());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the Elasticsearch CA certificate file "
                        + settings.caCertificate().get(), e);
            }
        } else if (settings.caFingerprint().isPresent()) {
            context = FingerprintTrustManager.context(settings.caFingerprint().get());
        } else {
            context = SSLContexts.createSystemDefault();
        }
        return ClientTlsStrategyBuilder.create().setSslContext(context)
                .setHostVerificationPolicy(HostnameVerificationPolicy.BOTH)
                .setHostnameVerifier(new DefaultHostnameVerifier()).buildAsync();
    }
}
