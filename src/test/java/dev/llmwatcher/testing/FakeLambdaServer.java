package dev.llmwatcher.testing;

import dev.llmwatcher.json.JsonCodec;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AWS Lambda's {@code Invoke} API as the AWS SDK sends it: {@code POST /2015-03-31/functions/{FunctionName}/invocations}
 * (the name or ARN URL-encoded, a qualifier in the ARN or as {@code ?Qualifier=}), the invocation type in
 * {@code X-Amz-Invocation-Type}, the payload as the body. An {@code Event} invocation is queued: HTTP 202 with an
 * empty body, as Lambda answers. Other invocation types and paths get the restJson error Lambda would send. It records
 * each asynchronous invocation and runs nothing. Reach it with the SDK's endpoint override.
 */
public final class FakeLambdaServer implements AutoCloseable {

    private static final Pattern INVOKE = Pattern.compile("/2015-03-31/functions/([^/]+)/invocations");

    /** One asynchronous invocation as it arrived: the function named and the payload (a JSON object). */
    public record Invocation(String function, Map<String, Object> payload, String authorization) {
    }

    private final List<Invocation> invocations = new ArrayList<>();
    private final LoopbackServer server = new LoopbackServer(this::handle);

    public URI endpoint() {
        return server.url();
    }

    public synchronized List<Invocation> invocations() {
        return List.copyOf(invocations);
    }

    private LoopbackServer.Response handle(LoopbackServer.Request request) throws IOException {
        Matcher matcher = INVOKE.matcher(request.path());
        if (!"POST".equals(request.method()) || !matcher.matches()) {
            return error(404, "ResourceNotFoundException", "no such route: " + request.method() + " " + request.path());
        }
        String type = request.headers().getOrDefault("x-amz-invocation-type", "RequestResponse");
        if (!"Event".equals(type)) {
            return error(400, "InvalidParameterValueException", "this stand-in only queues Event invocations");
        }
        String function = URLDecoder.decode(matcher.group(1), StandardCharsets.UTF_8);
        Map<String, Object> payload = JsonCodec.readObject(request.body());
        synchronized (this) {
            invocations.add(new Invocation(function, payload, request.headers().get("authorization")));
        }
        return new LoopbackServer.Response(202, Map.of(), new byte[0]);
    }

    private static LoopbackServer.Response error(int status, String type, String message) {
        return new LoopbackServer.Response(status, Map.of("Content-Type", "application/json",
                "x-amzn-errortype", type), JsonCodec.write(Map.of("Type", "User", "message", message)));
    }

    @Override
    public void close() {
        server.close();
    }
}
