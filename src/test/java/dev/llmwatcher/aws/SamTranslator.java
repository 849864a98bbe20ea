package dev.llmwatcher.aws;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The AWS SAM translator (Python's {@code aws-sam-translator}, on this machine image) turning a SAM template into
 * plain CloudFormation, as a deploy would; the template goes in as JSON on standard input. Only inline policies are
 * used, so the managed-policy loader knows none.
 */
final class SamTranslator {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCRIPT = """
            import json, sys
            from samtranslator.translator.transform import transform
            class NoManagedPolicies:
                def load(self):
                    return {}
            template = json.load(sys.stdin)
            print(json.dumps(transform(template, json.loads(sys.argv[1]), NoManagedPolicies())))
            """;

    private SamTranslator() {
    }

    static Map<String, Object> translate(Map<String, Object> template, Map<String, String> parameters)
            throws IOException, InterruptedException {
        Path stderr = Files.createTempFile("sam-translator", ".err");
        ProcessBuilder builder = new ProcessBuilder("python3", "-c", SCRIPT, JSON.writeValueAsString(parameters))
                .redirectError(stderr.toFile());
        builder.environment().put("AWS_DEFAULT_REGION", "us-east-1");
        Process process = builder.start();
        try (OutputStream in = process.getOutputStream()) {
            JSON.writeValue(in, template);
        }
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the SAM translator did not finish within 60 s");
        }
        String errors = Files.readString(stderr, StandardCharsets.UTF_8);
        Files.delete(stderr);
        if (process.exitValue() != 0) {
            throw new AssertionError("the SAM translator failed (exit " + process.exitValue() + "): " + errors);
        }
        return JSON.readValue(out, new TypeReference<>() { });
    }
}
