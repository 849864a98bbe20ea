package dev.llmwatcher.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.llmwatcher.demo.LocalCertificates;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTPS stand-in for an Amazon OpenSearch Service domain: it forwards every request to a real OpenSearch, but
 * only one signed with SigV4 for service {@code es} in its region by {@link AwsTestCredentials}; the signature is
 * checked by signing the same request again with the AWS SDK's own signer and comparing. Anything else gets 403, as
 * the service answers. TLS with a CA of its own ({@link #caPem()}).
 */
public final class SigV4Proxy implements AutoCloseable {

    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, "
                    + "SignedHeaders=([^,]+), Signature=([0-9a-f]{64})");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    /** Hop-by-hop headers the JDK's client sets itself. */
    private static final Set<String> NOT_FORWARDED = Set.of("host", "connection", "content-length", "authorization",
            "expect", "upgrade");

    private final HttpsServer server;
    private final URI target;
    private final String region;
    private final LocalCertificates certificates;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> refusals = new CopyOnWriteArrayList<>();
    private final List<String> forwarded = new CopyOnWriteArrayList<>();

    public SigV4Proxy(URI target, String region, Path work) {
        this.target = target;
        this.region = region;
        this.certificates = LocalCertificates.create(work.resolve("ca"), work.resolve("server.p12"));
        try {
            server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setHttpsConfigurator(new HttpsConfigurator(certificates.serverTls()));
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    /** {@code https://127.0.0.1:PORT}: the "domain endpoint". */
    public URI url() {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort());
    }

    public Path caPem() {
        return certificates.caPem();
    }

    /** Why each refused request was refused. */
    public List<String> refusals() {
        return List.copyOf(refusals);
    }

    /** Method and path of each request forwarded. */
    public List<String> forwarded() {
        return List.copyOf(forwarded);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String refusal = refusal(exchange, body);
            if (refusal != null) {
                refusals.add(refusal);
                answer(exchange, 403, "{\"message\":\"" + refusal.replace("\"", "'") + "\"}");
                return;
            }
            forwarded.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath());
            HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
                    .timeout(Duration.ofSeconds(30))
                    .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                    values.forEach(value -> request.header(name, value));
                }
            });
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            for (String header : List.of("Content-Type", "Content-Encoding")) {
                response.headers().firstValue(header).ifPresent(value ->
                        exchange.getResponseHeaders().add(header, value));
            }
            exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1
                    : response.body().length);
            if (response.body().length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(response.body());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Why the request is refused, or null when it is signed for {@code es} in the region by the test credentials. */
    private String refusal(HttpExchange exchange, byte[] body) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization == null) {
            return "no Authorization header";
        }
        Matcher sigV4 = AUTHORIZATION.matcher(authorization);
        if (!sigV4.matches()) {
            return "not a SigV4 Authorization: " + authorization.split(" ")[0];
        }
        if (!sigV4.group(4).equals("es") || !sigV4.group(3).equals(region)
                || !sigV4.group(1).equals(AwsTestCredentials.ACCESS_KEY_ID)) {
            return "credential scope " + sigV4.group(1) + "/" + sigV4.group(3) + "/" + sigV4.group(4)
                    + ", expected " + AwsTestCredentials.ACCESS_KEY_ID + "/" + region + "/es";
        }
        String amzDate = exchange.getRequestHeaders().getFirst("X-Amz-Date");
        if (amzDate == null) {
            return "no X-Amz-Date";
        }
        String expected = resign(exchange, body, sigV4.group(5), Instant.from(AMZ_DATE.parse(amzDate)));
        return expected.equals(authorization) ? null : "signature does not verify (expected " + expected + ")";
    }

    /** The Authorization the SDK's signer gives the same request, headers and moment. */
    private String resign(HttpExchange exchange, byte[] body, String signedHeaders, Instant at) {
        URI uri = exchange.getRequestURI();
        SdkHttpFullRequest.Builder request = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.fromValue(exchange.getRequestMethod())).protocol("https")
                .host("127.0.0.1").port(server.getAddress().getPort()).encodedPath(uri.getRawPath());
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                String[] kv = pair.split("=", 2);
                request.appendRawQueryParameter(decode(kv[0]), kv.length > 1 ? decode(kv[1]) : null);
            }
        }
        for (String name : Arrays.asList(signedHeaders.split(";"))) {
            if (!name.equals("host") && !name.equals("x-amz-date")) {
                request.putHeader(name, exchange.getRequestHeaders().get(name));
            }
        }
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(AwsTestCredentials.ACCESS_KEY_ID,
                        AwsTestCredentials.SECRET_ACCESS_KEY))
                .request(request.build())
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "es")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)));
        return signed.request().firstMatchingHeader("Authorization").orElse("none");
    }

    private static String decode(String value) {
        return java.net.URLDecoder.decode(value, StandardCharsets.UTF_8);
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
