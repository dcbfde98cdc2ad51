using System.Globalization;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Configuration.Roles;

/// <summary>
/// <c>LlmcRole</c> items as the targets hand them to the tasks: one entry per item, <c>;</c>-separated, each
/// <c>role|Model=…|Endpoint=…|ApiKeyEnv=…|Temperature=…|Attempts=…</c> (empty metadata left out). A string rather than
/// items because the Factory reaches its shared project through <c>MSBuild</c> task properties.
/// </summary>
public static class RoleItems
{
    private static readonly string[] Metadata = ["Model", "Endpoint", "ApiKeyEnv", "Temperature", "Attempts"];

    public static (RoleSet Roles, IReadOnlyList<Diagnostic> Errors) Parse(string? spec)
    {
        var errors = new List<Diagnostic>();
        var bindings = new Dictionary<ModelRole, RoleBinding>();
        foreach (var entry in (spec ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split('|');
            var name = parts[0].Trim();
            void Fail(string message) => errors.Add(DiagnosticCatalog.Create(DiagnosticCodes.ConfigInvalid, $"LlmcRole '{name}': {message}", field: "LlmcRole"));
            if (ModelRoles.Parse(name) is not { } role)
            {
                Fail($"unknown role; roles are {string.Join(", ", ModelRoles.All.Select(ModelRoles.Name))}");
                continue;
            }
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var part in parts.Skip(1))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0) continue;
                var key = part[..eq].Trim();
                var value = part[(eq + 1)..].Trim();
                if (value.Length == 0) continue;
                if (!Metadata.Contains(key, StringComparer.OrdinalIgnoreCase)) Fail($"unknown metadata '{key}'; expected {string.Join(", ", Metadata)}");
                else values[key] = value;
            }
            var binding = new RoleBinding { Model = values.GetValueOrDefault("Model") };
            if (values.TryGetValue("Endpoint", out var endpointText))
            {
                if (Settings.EndpointProblem(endpointText, "ApiKeyEnv", out var endpoint) is { } problem) Fail($"Endpoint {problem}");
                else binding = binding with { Endpoint = endpoint };
            }
            if (values.TryGetValue("ApiKeyEnv", out var variable))
            {
                if (Settings.KeyVariableProblem(variable) is { } problem) Fail($"ApiKeyEnv {problem}");
                else binding = binding with { ApiKeyVariable = variable };
            }
            if (values.TryGetValue("Temperature", out var t))
            {
                if (double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var temperature) && temperature is >= 0 and <= 2) binding = binding with { Temperature = (float)temperature };
                else Fail($"Temperature '{t}' is not a number from 0 to 2");
            }
            if (values.TryGetValue("Attempts", out var a))
            {
                var min = role == ModelRole.Escalation ? 0 : 1;
                if (int.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var attempts) && attempts >= min && attempts <= Settings.AttemptsLimit) binding = binding with { Attempts = attempts };
                else Fail($"Attempts '{a}' is not a whole number from {min} to {Settings.AttemptsLimit}");
            }
            bindings[role] = bindings.TryGetValue(role, out var earlier) ? earlier.OverriddenBy(binding) : binding;
        }
        return (new RoleSet { Bindings = bindings }, errors);
    }
}
