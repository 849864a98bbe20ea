package dev.llmwatcher.testing;

import com.sun.net.httpserver.HttpExchange;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTPS stand-in for an Amazon OpenSearch Service domain ({@link HttpsGateway}): it forwards every request to a
 * real OpenSearch, but only one signed with SigV4 for service {@code es} in its region by {@link AwsTestCredentials};
 * the signature is checked by signing the same request again with the AWS SDK's own signer and comparing. Anything
 * else gets 403, as the service answers. TLS with a CA of its own ({@link #caPem()}).
 */
public final class SigV4Proxy implements AutoCloseable {

    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, "
                    + "SignedHeaders=([^,]+), Signature=([0-9a-f]{64})");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final String region;
    private final HttpsGateway gateway;

    public SigV4Proxy(URI target, String region, Path work) {
        this.region = region;
        this.gateway = new HttpsGateway(target, work, (exchange, body) -> {
            String refusal = refusal(exchange, body);
            return refusal == null ? null
                    : new HttpsGateway.Refusal(refusal, 403, "{\"message\":\"" + refusal.replace("\"", "'") + "\"}");
        });
    }

    /** {@code https://127.0.0.1:PORT}: the "domain endpoint". */
    public URI url() {
        return gateway.url();
    }

    public Path caPem() {
        return gateway.caPem();
    }

    /** Why each refused request was refused. */
    public List<String> refusals() {
        return gateway.refusals();
    }

    /** Method and path of each request forwarded. */
    public List<String> forwarded() {
        return gateway.forwarded();
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
                .host("127.0.0.1").port(gateway.port()).encodedPath(uri.getRawPath());
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

    @Override
    public void close() {
        gateway.close();
    }
}
