package dev.llmwatcher.aws;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates the intrinsic functions a template's policies use ({@code Ref} to parameters and {@code AWS::NoValue},
 * {@code Fn::If}, {@code Fn::Not}, {@code Fn::Equals}, {@code Fn::Join}, {@code Condition}) for given parameter
 * values, as CloudFormation would at deploy time; anything else is left as written. {@code AWS::NoValue} removes
 * the list element or property it stands for.
 */
final class ConditionResolver {

    private static final Object NO_VALUE = new Object();

    private final Map<String, Object> parameters;
    private final Map<String, Object> conditions;

    ConditionResolver(Map<String, Object> parameters, Map<String, Object> conditions) {
        this.parameters = parameters;
        this.conditions = conditions == null ? Map.of() : conditions;
    }

    Object resolve(Object node) {
        if (node instanceof List<?> list) {
            List<Object> resolved = new ArrayList<>();
            list.stream().map(this::resolve).filter(item -> item != NO_VALUE).forEach(resolved::add);
            return resolved;
        }
        if (!(node instanceof Map<?, ?> map)) {
            return node;
        }
        if (map.size() == 1) {
            Map.Entry<?, ?> only = map.entrySet().iterator().next();
            Object argument = only.getValue();
            switch (String.valueOf(only.getKey())) {
                case "Ref" -> {
                    return "AWS::NoValue".equals(argument) ? NO_VALUE
                            : parameters.getOrDefault(String.valueOf(argument), node);
                }
                case "Fn::If" -> {
                    List<?> branches = (List<?>) argument;
                    return resolve(condition(String.valueOf(branches.get(0))) ? branches.get(1) : branches.get(2));
                }
                case "Fn::Not" -> {
                    return !((Boolean) resolve(((List<?>) argument).getFirst()));
                }
                case "Fn::Equals" -> {
                    List<?> sides = (List<?>) argument;
                    return resolve(sides.get(0)).equals(resolve(sides.get(1)));
                }
                case "Fn::Join" -> {
                    List<?> parts = (List<?>) argument;
                    List<String> items = ((List<?>) resolve(parts.get(1))).stream().map(String::valueOf).toList();
                    return String.join(String.valueOf(parts.get(0)), items);
                }
                case "Condition" -> {
                    return condition(String.valueOf(argument));
                }
                default -> {
                    // not an intrinsic this resolver knows: resolve the value like any property
                }
            }
        }
        Map<String, Object> resolved = new LinkedHashMap<>();
        map.forEach((key, value) -> {
            Object item = resolve(value);
            if (item != NO_VALUE) {
                resolved.put(String.valueOf(key), item);
            }
        });
        return resolved;
    }

    private boolean condition(String name) {
        Object condition = conditions.get(name);
        if (condition == null) {
            throw new IllegalArgumentException("no condition " + name + " in the template");
        }
        return (Boolean) resolve(condition);
    }
}
