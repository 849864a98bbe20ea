package dev.llmwatcher.queue;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.TransportUtils;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import co.elastic.clients.transport.rest5_client.low_level.Rest5ClientBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.util.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Owns one {@link ElasticsearchClient} (and its connection pool) built from {@link ElasticsearchSettings}.
 *
 * <p>The client sends {@code compatible-with=8} media types: elasticsearch-java 9 would otherwise send
 * {@code compatible-with=9}, which 8.x clusters reject, while 9.x clusters accept 8. The headers must be set as
 * transport options; default headers on the low-level client are overridden by the transport.
 *
 * <p>Documents travel as plain maps; the mapper keeps {@code null} map values so a partial update can clear a
 * field (a claim, for instance).
 */
public final class ElasticsearchConnection implements AutoCloseable {

    /** Understood by 8.x and 9.x servers alike. */
    public static final String COMPATIBLE_MEDIA_TYPE = "application/vnd.elasticsearch+json; compatible-with=8";

    private final ElasticsearchSettings settings;
    private final Rest5Client restClient;
    private final ElasticsearchClient client;

    private ElasticsearchConnection(ElasticsearchSettings settings, Rest5Client restClient,
                                    ElasticsearchClient client) {
        this.settings = settings;
        this.restClient = restClient;
        this.client = client;
    }

    /** Builds the client. Nothing is sent yet; a wrong URL or credentials show on the first request. */
    public static ElasticsearchConnection open(ElasticsearchSettings settings) {
        Timeout timeout = Timeout.of(settings.requestTimeout());
        Rest5ClientBuilder builder = Rest5Client.builder(settings.url())
                .setDefaultHeaders(authHeaders(settings))
                .setRequestConfigCallback(rc -> rc.setResponseTimeout(timeout).setConnectionRequestTimeout(timeout))
                .setConnectionConfigCallback(cc -> cc.setConnectTimeout(timeout).setSocketTimeout(timeout));
        settings.caCertificate().ifPresent(pem -> builder.setSSLContext(sslFromPem(pem.toFile())));
        settings.caFingerprint().ifPresent(fp -> builder.setSSLContext(TransportUtils.sslContextFromCaFingerprint(fp)));
        Rest5Client restClient = builder.build();
        ObjectMapper mapper = new ObjectMapper().configure(SerializationFeature.INDENT_OUTPUT, false);
        ElasticsearchClient client = new ElasticsearchClient(
                new Rest5ClientTransport(restClient, new JacksonJsonpMapper(mapper)))
                .withTransportOptions(o -> o.setHeader("Accept", COMPATIBLE_MEDIA_TYPE)
                        .setHeader("Content-Type", COMPATIBLE_MEDIA_TYPE));
        return new ElasticsearchConnection(settings, restClient, client);
    }

    public ElasticsearchClient client() {
        return client;
    }

    public ElasticsearchSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        try {
            restClient.close();
        } catch (IOException e) {
            throw new UncheckedIOException("closing the Elasticsearch client for " + settings.url(), e);
        }
    }

    private static Header[] authHeaders(ElasticsearchSettings settings) {
        if (settings.apiKey().isPresent()) {
            String key = encodedApiKey(settings.apiKey().get());
            return new Header[] {new BasicHeader("Authorization", "ApiKey " + key)};
        }
        if (settings.username().isPresent()) {
            String pair = settings.username().get() + ":" + settings.password().orElse("");
            String encoded = Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
            return new Header[] {new BasicHeader("Authorization", "Basic " + encoded)};
        }
        return new Header[0];
    }

    /**
     * Elasticsearch wants {@code base64(id:api_key)} (the {@code encoded} value its API returns); an {@code id:key}
     * pair is encoded here so either form a user copies works.
     */
    static String encodedApiKey(String apiKey) {
        if (!apiKey.contains(":")) {
            return apiKey;
        }
        return Base64.getEncoder().encodeToString(apiKey.getBytes(StandardCharsets.UTF_8));
    }

    private static javax.net.ssl.SSLContext sslFromPem(java.io.File pem) {
        try {
            return TransportUtils.sslContextFromHttpCaCrt(pem);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the Elasticsearch CA certificate " + pem + ": "
                    + e.getMessage(), e);
        }
    }
}
