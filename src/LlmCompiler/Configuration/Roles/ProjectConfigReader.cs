using System.Globalization;
using LlmCompiler.Contracts;
using LlmCompiler.Contracts.Json;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Configuration.Roles;

/// <summary>
/// Reads <c>llmc.json</c> through the contract's position-recording JSON parser, so every problem is a diagnostic at
/// its line and column (E226 the file cannot be read as JSON, E227 a key or value is wrong), never an exception.
/// Keys are never accepted in the file: a role names the variable that holds its key.
/// </summary>
public static class ProjectConfigReader
{
    private static readonly string[] TopLevel = ["roles", "review", "health"];
    private static readonly string[] RoleKeys = ["model", "endpoint", "api_key_env", "temperature", "attempts"];
    private static readonly string[] ReviewKeys = ["changed_files_over", "changed_lines_over", "always"];
    private static readonly string[] HealthKeys = ["max_failed_attempts", "max_failed_work_orders", "max_transport_failures"];

    /// <summary>
    /// The configuration of <paramref name="explicitPath"/> (which must exist), else of <c>llmc.json</c> at
    /// <paramref name="repoRoot"/> when there is one, else the defaults.
    /// </summary>
    public static (ProjectConfig? Config, IReadOnlyList<Diagnostic> Errors) Load(string? explicitPath, string? repoRoot)
    {
        var path = explicitPath ?? (repoRoot is null ? null : Path.Combine(repoRoot, ProjectConfig.FileName));
        if (path is null || (explicitPath is null && !File.Exists(path))) return (ProjectConfig.Default, []);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, [DiagnosticCatalog.Create(DiagnosticCodes.ConfigUnreadable, $"the configuration file '{path}' cannot be read: {ex.Message}") with { File = path }]);
        }
        return Parse(path, bytes);
    }

    public static (ProjectConfig? Config, IReadOnlyList<Diagnostic> Errors) Parse(string? path, ReadOnlyMemory<byte> utf8)
    {
        var parsed = JsonSyntaxParser.Parse(new SourceText(path, utf8));
        if (parsed.Root is null)
        {
            var error = parsed.Error!;
            return (null, [error with { Code = DiagnosticCodes.ConfigUnreadable, Severity = DiagnosticSeverity.Error, Message = $"{ProjectConfig.FileName} is not valid JSON: {error.Message}" }]);
        }
        var root = parsed.Root.Value;
        var reader = new Reader(new SourceMap(parsed.Source, root), root);
        var config = reader.Read();
        return reader.Errors.Count > 0 ? (null, reader.Errors) : (config with { SourcePath = path }, []);
    }

    private sealed class Reader(SourceMap map, JsonSyntax root)
    {
        public List<Diagnostic> Errors { get; } = [];

        private void Fail(string field, string message) =>
            Errors.Add(map.Create(DiagnosticCodes.ConfigInvalid, null, field, $"{ProjectConfig.FileName}: {message}"));

        public ProjectConfig Read()
        {
            if (!root.IsObject)
            {
                Fail("", $"the configuration must be a JSON object with 'roles', 'review' and 'health', found {root.TypeName}");
                return ProjectConfig.Default;
            }
            var top = root;
            Known(top, "", TopLevel);
            var roles = ReadRoles(Object(top, "roles"));
            var reviewSection = Object(top, "review");
            var review = ReadReview(reviewSection, enabled: reviewSection is not null || roles.IsBound(ModelRole.Reviewer));
            var health = ReadHealth(Object(top, "health"));
            return new ProjectConfig { Roles = roles, Review = review, Health = health };
        }

        private RoleSet ReadRoles(JsonSyntax? section)
        {
            var bindings = new Dictionary<ModelRole, RoleBinding>();
            if (section is null) return RoleSet.None;
            foreach (var property in section.Value.Properties)
            {
                var name = property.Name;
                var field = $"roles.{name}";
                if (ModelRoles.Parse(name) is not { } role)
                {
                    map.Record(field, property.NameStart);
                    var suggestion = NameSuggester.Suggest(name, ModelRoles.All.Select(ModelRoles.Name));
                    Fail(field, $"unknown role '{name}'{(suggestion is null ? "" : $" (did you mean '{suggestion}'?)")}; roles are {string.Join(", ", ModelRoles.All.Select(ModelRoles.Name))}");
                    continue;
                }
                var obj = property.Value;
                if (!obj.IsObject)
                {
                    Fail(field, $"role '{name}' must be an object such as {{\"model\": \"gpt-4.1\"}}, found {property.Value.TypeName}");
                    continue;
                }
                Known(obj, field, RoleKeys);
                bindings[role] = new RoleBinding
                {
                    Model = Text(obj, field, "model"),
                    Endpoint = Endpoint(obj, field),
                    ApiKeyVariable = KeyVariable(obj, field),
                    Temperature = Number(obj, field, "temperature", 0, 2) is { } t ? (float)t : null,
                    Attempts = Whole(obj, field, "attempts", role == ModelRole.Escalation ? 0 : 1, Settings.AttemptsLimit),
                };
            }
            return new RoleSet { Bindings = bindings };
        }

        private ReviewPolicy ReadReview(JsonSyntax? reviewSection, bool enabled)
        {
            if (reviewSection is not { } section) return enabled ? new ReviewPolicy { Enabled = true } : ReviewPolicy.Off;
            Known(section, "review", ReviewKeys);
            var always = new List<string>();
            if (section.Get("always") is { } list)
            {
                if (!list.IsArray) Fail("review.always", $"'always' must be an array of globs such as [\"**/*.csproj\"], found {list.TypeName}");
                else
                {
                    var i = 0;
                    foreach (var item in list.Items)
                    {
                        if (item.IsString && item.GetString() is { Length: > 0 } glob) always.Add(glob.Trim().Replace('\\', '/'));
                        else Fail($"review.always[{i}]", "each entry of 'always' must be a non-empty glob string");
                        i++;
                    }
                }
            }
            return new ReviewPolicy
            {
                Enabled = true,
                ChangedFilesOver = Whole(section, "review", "changed_files_over", 0, int.MaxValue) ?? ReviewPolicy.DefaultChangedFilesOver,
                ChangedLinesOver = Whole(section, "review", "changed_lines_over", 0, int.MaxValue) ?? ReviewPolicy.DefaultChangedLinesOver,
                Always = always,
            };
        }

        private HealthLimits ReadHealth(JsonSyntax? healthSection)
        {
            if (healthSection is not { } section) return HealthLimits.Default;
            Known(section, "health", HealthKeys);
            return new HealthLimits
            {
                MaxFailedAttempts = Whole(section, "health", "max_failed_attempts", 1, int.MaxValue) ?? HealthLimits.DefaultMaxFailedAttempts,
                MaxFailedWorkOrders = Whole(section, "health", "max_failed_work_orders", 1, int.MaxValue) ?? HealthLimits.DefaultMaxFailedWorkOrders,
                MaxTransportFailures = Whole(section, "health", "max_transport_failures", 1, int.MaxValue) ?? HealthLimits.DefaultMaxTransportFailures,
            };
        }

        private JsonSyntax? Object(JsonSyntax parent, string name)
        {
            if (parent.Get(name) is not { IsNull: false } value) return null;
            if (value.IsObject) return value;
            Fail(name, $"'{name}' must be an object, found {value.TypeName}");
            return null;
        }

        private void Known(JsonSyntax obj, string prefix, string[] known)
        {
            foreach (var property in obj.Properties)
            {
                if (property.IndexIn(known) >= 0) continue;
                var name = property.Name;
                var field = prefix.Length == 0 ? name : $"{prefix}.{name}";
                // At the name, not its value: the name is what is wrong.
                map.Record(field, property.NameStart);
                if (name.Contains("key", StringComparison.OrdinalIgnoreCase) && !name.Equals("api_key_env", StringComparison.Ordinal))
                {
                    // Deliberately without the value: it may be the key itself.
                    Fail(field, $"'{name}': keys never go into {ProjectConfig.FileName} (it is committed); put the key in an environment variable and name that variable in 'api_key_env'");
                    continue;
                }
                var suggestion = NameSuggester.Suggest(name, known);
                Fail(field, $"unknown key '{name}'{(suggestion is null ? "" : $" (did you mean '{suggestion}'?)")}; expected {string.Join(", ", known)}");
            }
        }

        private string? Text(JsonSyntax obj, string prefix, string name)
        {
            if (obj.Get(name) is not { IsNull: false } value) return null;
            if (value.IsString && value.GetString().Trim() is { Length: > 0 } text) return text;
            Fail($"{prefix}.{name}", $"'{name}' must be a non-empty string, found {(value.IsString ? "an empty string" : value.TypeName)}");
            return null;
        }

        private Uri? Endpoint(JsonSyntax obj, string prefix)
        {
            if (Text(obj, prefix, "endpoint") is not { } text) return null;
            if (Settings.EndpointProblem(text, "'api_key_env'", out var uri) is { } problem) Fail($"{prefix}.endpoint", $"'endpoint' {problem}");
            return uri;
        }

        private string? KeyVariable(JsonSyntax obj, string prefix)
        {
            if (Text(obj, prefix, "api_key_env") is not { } name) return null;
            if (Settings.KeyVariableProblem(name) is { } problem)
            {
                Fail($"{prefix}.api_key_env", $"'api_key_env' {problem}");
                return null;
            }
            return name;
        }

        private double? Number(JsonSyntax obj, string prefix, string name, double min, double max)
        {
            if (obj.Get(name) is not { IsNull: false } value) return null;
            if (value.Kind == JsonSyntaxKind.Number && double.TryParse(value.GetNumberText(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= min && d <= max) return d;
            Fail($"{prefix}.{name}", $"'{name}' must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        private int? Whole(JsonSyntax obj, string prefix, string name, int min, int max)
        {
            if (obj.Get(name) is not { IsNull: false } value) return null;
            if (value.Kind == JsonSyntaxKind.Number && int.TryParse(value.GetNumberText(), NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i >= min && i <= max) return i;
            Fail($"{prefix}.{name}", max == int.MaxValue ? $"'{name}' must be a whole number of at least {min}" : $"'{name}' must be a whole number from {min} to {max}");
            return null;
        }
    }
}
