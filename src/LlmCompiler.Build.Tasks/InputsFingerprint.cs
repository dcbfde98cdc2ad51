using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmCompiler.IO;

namespace LlmCompiler.Build.Tasks;

/// <summary>
/// A content hash of every semantic input of an expensive step (for planning: spec, template, model, endpoint,
/// settings, repository hints), stored beside its outputs. Timestamps say nothing on a fresh clone; the
/// fingerprint does, so an unchanged plan is never re-requested from the model. Secrets are never inputs.
/// </summary>
internal sealed class InputsFingerprint
{
    public const int SchemaVersion = 1;

    private readonly SortedDictionary<string, string> _inputs = new(StringComparer.Ordinal);

    /// <summary>Adds a setting; null and empty are distinct from absent only through the name being present.</summary>
    public InputsFingerprint Value(string name, string? value)
    {
        _inputs[name] = "value:" + (value ?? "");
        return this;
    }

    /// <summary>Adds a file by the SHA-256 of its bytes (a missing file is an input too).</summary>
    public InputsFingerprint File(string name, string path)
    {
        if (!System.IO.File.Exists(path))
        {
            _inputs[name] = "missing";
            return this;
        }
        using var stream = System.IO.File.OpenRead(path);
        _inputs[name] = "sha256:" + ContentHash.Sha256Hex(stream);
        return this;
    }

    public IReadOnlyDictionary<string, string> Inputs => _inputs;

    /// <summary>SHA-256 over the sorted, length-prefixed name/value pairs (no separator ambiguity).</summary>
    public string Hash
    {
        get
        {
            var builder = new StringBuilder().Append("llmc-inputs/").Append(SchemaVersion).Append('\n');
            foreach (var (name, value) in _inputs)
            {
                builder.Append(name.Length).Append(':').Append(name).Append(value.Length).Append(':').Append(value).Append('\n');
            }
            return ContentHash.Sha256Hex(builder.ToString());
        }
    }

    /// <summary>True when <paramref name="stampPath"/> records this exact hash.</summary>
    public bool Matches(string stampPath)
    {
        try
        {
            if (!System.IO.File.Exists(stampPath)) return false;
            var node = JsonNode.Parse(System.IO.File.ReadAllText(stampPath));
            return node?["schema"]?.GetValue<int>() == SchemaVersion
                && string.Equals(node["inputs_sha256"]?.GetValue<string>(), Hash, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            // An unreadable stamp only costs a re-run.
            return false;
        }
    }

    /// <summary>Writes the stamp atomically; call only after the step succeeded.</summary>
    public void Write(string stampPath)
    {
        var inputs = new JsonObject();
        foreach (var (name, value) in _inputs) inputs[name] = value;
        var node = new JsonObject { ["schema"] = SchemaVersion, ["inputs_sha256"] = Hash, ["inputs"] = inputs };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(stampPath))!);
        AtomicFile.WriteAllText(stampPath, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).Replace("\r\n", "\n") + "\n");
    }
}
