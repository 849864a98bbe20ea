package dev.llmwatcher.opensearch;

import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.config.SearchEngine;
import dev.llmwatcher.json.Json;
import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.store.FingerprintTrustManager;
import org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.DefaultHostnameVerifier;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.ssl.SSLContexts;
import org.apache.hc.core5.util.Timeout;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.transport.OpenSearchTransport;
import org.opensearch.client.transport.aws.AwsSdk2Transport;
import org.opensearch.client.transport.aws.AwsSdk2TransportOptions;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the one {@link OpenSearchClient} a process uses from the cluster settings: every URL a node, basic auth (an
 * API key is sent as {@code Authorization: ApiKey}, as the security plugin's API keys are; see {@link #apiKeyToken}),
 * TLS trusting the configured CA with host names checked, the request timeout as the connect and the response
 * timeout, and the same Jackson mapper as the rest of the product (it sends {@code null} map values, so a partial
 * update clears a field).
 * For Amazon OpenSearch Service ({@link ElasticsearchSettings#sigV4Service()}) the AWS SDK signs every request with
 * SigV4 instead ({@link #signed}).
 */
public final class OpenSearchClients {

    private static final int CONNECTIONS_PER_NODE = 64;

    private OpenSearchClients() {
    }

    /** A client for these settings; nothing is sent until its first request. Close its transport when done. */
    public static OpenSearchClient create(ElasticsearchSettings settings) {
        if (settings.sigV4Service().isPresent()) {
            return signed(settings, settings.sigV4Service().get());
        }
        HttpHost[] hosts = settings.urls().stream().map(OpenSearchClients::host).toArray(HttpHost[]::new);
        Timeout timeout = Timeout.of(settings.requestTimeout());
        SSLContext tls = tls(settings);
        OpenSearchTransport transport = ApacheHttpClient5TransportBuilder.builder(hosts)
                .setMapper(new JacksonJsonpMapper(Json.mapper()))
                .setDefaultHeaders(authorization(settings).toArray(Header[]::new))
                .setRequestConfigCallback(request -> request.setResponseTimeout(timeout)
                        .setConnectionRequestTimeout(timeout))
                .setConnectionConfigCallback(connection -> connection.setConnectTimeout(timeout))
                .setHttpClientConfigCallback(client -> configure(client, tls, settings.urls().size()))
                .build();
        return new OpenSearchClient(transport);
    }

    /**
     * A client whose every request the AWS SDK signs with SigV4 for {@code service} ({@code es}): opensearch-java's
     * {@link AwsSdk2Transport} over the SDK's url-connection HTTP client (the one the Lambda package already has), the
     * SDK's default credential chain (the function's role on Lambda), and the region of the domain's host name
     * ({@code *.REGION.es.amazonaws.com}) or else the SDK's default region chain ({@code AWS_REGION}). Answers are not
     * asked to be compressed, as with the unsigned transport. The first URL
     * is the domain's endpoint (https; its port kept); a CA certificate or fingerprint, if given, is the only CA
     * trusted.
     */
    static OpenSearchClient signed(ElasticsearchSettings settings, String service) {
        URI url = settings.url();
        String host = url.getPort() > 0 ? url.getHost() + ":" + url.getPort() : url.getHost();
        UrlConnectionHttpClient.Builder http = UrlConnectionHttpClient.builder()
                .connectionTimeout(settings.requestTimeout()).socketTimeout(settings.requestTimeout());
        trustedCa(settings).ifPresent(trust -> http.tlsTrustManagersProvider(() -> trust));
        AwsSdk2Transport transport = new AwsSdk2Transport(http.build(), host, service, region(url.getHost()),
                AwsSdk2TransportOptions.builder().setMapper(new JacksonJsonpMapper(Json.mapper()))
                        .setResponseCompression(false)
                        .setCredentials(DefaultCredentialsProvider.builder().build()).build());
        return new OpenSearchClient(transport);
    }

    /** The region in an Amazon OpenSearch Service host name, else the SDK's default region. */
    static Region region(String host) {
        Matcher matcher = SERVICE_HOST.matcher(host);
        if (matcher.matches()) {
            return Region.of(matcher.group(1));
        }
        return new DefaultAwsRegionProviderChain().getRegion();
    }

    private static final Pattern SERVICE_HOST = Pattern.compile(
            ".*\\.([a-z]{2}(?:-[a-z]+)+-\\d+)\\.es\\.amazonaws\\.com");

    private static HttpAsyncClientBuilder configure(HttpAsyncClientBuilder client, SSLContext tls, int nodes) {
        return client.disableContentCompression().setConnectionManager(PoolingAsyncClientConnectionManagerBuilder
                .create().setMaxConnPerRoute(CONNECTIONS_PER_NODE).setMaxConnTotal(CONNECTIONS_PER_NODE * nodes)
                .setTlsStrategy(ClientTlsStrategyBuilder.create().setSslContext(tls)
                        .setHostVerificationPolicy(HostnameVerificationPolicy.BOTH)
                        .setHostnameVerifier(new DefaultHostnameVerifier()).buildAsync())
                .build());
    }

    static HttpHost host(URI url) {
        int port = url.getPort() > 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
        return new HttpHost(url.getScheme(), url.getHost(), port);
    }

    /**
     * The API key as sent: an {@code id:key} pair (Elasticsearch's form, which the engine probe of {@link #engineOf}
     * sends to an Elasticsearch cluster too) as {@code base64(id:key)}, as the Elasticsearch client sends it; any other
     * value (an encoded key, an OpenSearch API token, which has no colon) as it is.
     */
    static String apiKeyToken(String apiKey) {
        return apiKey.contains(":") ? Base64.getEncoder().encodeToString(apiKey.getBytes(StandardCharsets.UTF_8))
                : apiKey;
    }

    private static List<Header> authorization(ElasticsearchSettings settings) {
        List<Header> headers = new ArrayList<>();
        if (settings.apiKey().isPresent()) {
            headers.add(new BasicHeader("Authorization", "ApiKey " + apiKeyToken(settings.apiKey().get())));
        } else {
            settings.username().ifPresent(username -> headers.add(new BasicHeader("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString((username + ":" + settings.password().orElse(""))
                    .getBytes(StandardCharsets.UTF_8)))));
        }
        return headers;
    }

    /** TLS trusting {@link #trustedCa} alone, or else the JDK's default CAs. */
    private static SSLContext tls(ElasticsearchSettings settings) {
        Optional<TrustManager[]> trust = trustedCa(settings);
        if (trust.isEmpty()) {
            return SSLContexts.createSystemDefault();
        }
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.get(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use the configured CA: " + e.getMessage(), e);
        }
    }

    /**
     * Trust managers for the configured CA alone: its certificate (PEM), or the CA with the configured SHA-256
     * fingerprint (checked as {@link FingerprintTrustManager} does for Elasticsearch); none configured, none here.
     */
    private static Optional<TrustManager[]> trustedCa(ElasticsearchSettings settings) {
        if (settings.caCertificate().isPresent()) {
            return Optional.of(caCertificateTrust(settings));
        }
        return settings.caFingerprint()
                .map(fingerprint -> new TrustManager[] {FingerprintTrustManager.of(fingerprint)});
    }

    /** Trust managers that trust the configured CA certificate (PEM) alone. */
    private static TrustManager[] caCertificateTrust(ElasticsearchSettings settings) {
        try (InputStream pem = Files.newInputStream(settings.caCertificate().get())) {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int i = 0;
            for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(pem)) {
                trusted.setCertificateEntry("ca" + i++, certificate);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            return trust.getTrustManagers();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the OpenSearch CA certificate file "
                    + settings.caCertificate().get(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use the CA certificate " + settings.caCertificate().get()
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Which engine serves these settings: the override when it names one, OpenSearch when requests are signed for
     * Amazon OpenSearch Service, else the cluster's own answer to {@code GET /} ({@code version.distribution}), asked
     * once. Anything else (no answer, Elasticsearch's test distribution answering 405, an older cluster) is
     * Elasticsearch, whose adapter then reports any failure as it always has.
     */
    public static SearchEngine engineOf(ElasticsearchSettings settings) {
        if (settings.engine() != SearchEngine.AUTO) {
            return settings.engine();
        }
        if (settings.sigV4Service().isPresent()) {
            return SearchEngine.OPENSEARCH;
        }
        OpenSearchClient client = create(settings.withRequestTimeout(settings.requestTimeout()
                .compareTo(PROBE_TIMEOUT) < 0 ? settings.requestTimeout() : PROBE_TIMEOUT));
        try (var response = client.generic().execute(Requests.builder().method("GET").endpoint("/").build())) {
            if (response.getStatus() == 200 && response.getBody().isPresent()
                    && JsonCodec.read(response.getBody().get().bodyAsBytes()) instanceof Map<?, ?> root
                    && root.get("version") instanceof Map<?, ?> version
                    && "opensearch".equals(version.get("distribution"))) {
                return SearchEngine.OPENSEARCH;
            }
            return SearchEngine.ELASTICSEARCH;
        } catch (IOException | RuntimeException e) {
            return SearchEngine.ELASTICSEARCH;
        } finally {
            try {
                client._transport().close();
            } catch (IOException e) {
                // the probe is over either way
            }
        }
    }

    private static final java.time.Duration PROBE_TIMEOUT = java.time.Duration.ofSeconds(10);
}
