package dev.llmwatcher.bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import java.lang.management.ManagementFactory;
import java.util.Map;

/**
 * The baseline for start-up figures: a bare "hello" Lambda handler invoked once on the same JVM with the same flags,
 * so what the benchmark reports on top of it is our own cost, not the JVM's.
 */
public final class HelloProbe implements RequestHandler<Map<String, Object>, String> {

    @Override
    public String handleRequest(Map<String, Object> input, Context context) {
        return "hello " + input.size();
    }

    public static void main(String[] args) {
        System.out.println(new HelloProbe().handleRequest(Map.of(), null));
        System.out.println("done-at-uptime-ms=" + ManagementFactory.getRuntimeMXBean().getUptime());
    }
}
