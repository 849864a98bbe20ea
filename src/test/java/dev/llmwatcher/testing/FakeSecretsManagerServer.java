package dev.llmwatcher.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local HTTP server speaking the Secrets Manager JSON 1.1 protocol for {@code GetSecretValue}: {@code POST /} with
 * {@code X-Amz-Target: secretsmanager.GetSecretValue}, answered with {@code {"ARN","Name","SecretString","VersionId"}},
 * or a 400 with {@code {"__type":"ResourceNotFoundException",...}} for an unknown secret. Tests point the real SDK
 * client at it ({@link #client()}) and change a secret's value between calls to simulate rotation.
 */
public final class FakeSecretsManagerServer implements AutoCloseable {

    public static final String REGION = "eu-west-1";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = "application/x-amz-json-1.1";

    private record Stored(String value, String versionId) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, Stored> secrets = new ConcurrentHashMap<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger versions = new AtomicInteger();

    public FakeSecretsManagerServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Stores (or rotates) a secret string; each call makes a new version. */
    public FakeSecretsManagerServer put(String secretId, String value) {
        secrets.put(secretId, new Stored(value, "v" + versions.incrementAndGet()));
        return this;
    }

    /** {@code GetSecretValue} calls answered so far, found or not. */
    public int calls() {
        return calls.get();
    }

    public URI endpoint() {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort());
    }

    /** The real SDK client, pointed at this server, with static test credentials and a fixed region. */
    public SecretsManagerClient client() {
        return SecretsManagerClient.builder()
                .endpointOverride(endpoint())
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    public static String arn(String name) {
        return "arn:aws:secretsmanager:" + REGION + ":123456789012:secret:" + name + "-AbCdEf";
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode body;
            try (InputStream in = exchange.getRequestBody()) {
                body = JSON.readTree(in.readAllBytes());
            }
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            if (!"POST".equals(exchange.getRequestMethod()) || !"secretsmanager.GetSecretValue".equals(target)) {
                send(exchange, 400, Map.of("__type", "UnknownOperationException", "message", "unsupported: " + target));
                return;
            }
            calls.incrementAndGet();
            String id = body.path("SecretId").asText();
            Stored stored = secrets.get(id);
            if (stored == null) {
                send(exchange, 400, Map.of("__type", "ResourceNotFoundException",
                        "message", "Secrets Manager can't find the specified secret."));
                return;
            }
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("ARN", id.startsWith("arn:") ? id : arn(id));
            answer.put("Name", id);
            answer.put("SecretString", stored.value());
            answer.put("VersionId", stored.versionId());
            answer.put("VersionStages", new String[] {"AWSCURRENT"});
            answer.put("CreatedDate", 1.7e9);
            send(exchange, 200, answer);
        }
    }

    private static void send(HttpExchange exchange, int status, Map<String, Object> body) throws IOException {
        byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.getResponseHeaders().set("x-amzn-RequestId", "test-" + System.nanoTime());
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
