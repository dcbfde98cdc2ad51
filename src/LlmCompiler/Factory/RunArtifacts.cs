using System.Text.Json;
using System.Text.Json.Nodes;
using LlmCompiler.Contracts;
using LlmCompiler.IO;

namespace LlmCompiler.Factory;

/// <summary>One run's artifact directory. Every file is written atomically; JSON is 2-space indented with sorted keys.</summary>
public sealed class RunArtifacts(string directory)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string Directory { get; } = directory;

    public string PathOf(string relative) => Path.Combine(Directory, relative);

    public string AttemptDirectory(int attempt) => PathOf($"attempt_{attempt}");

    /// <summary>Bytes of every file in the run folder so far (the cap on stored command output is checked against it).</summary>
    public long SizeOnDisk()
    {
        if (!System.IO.Directory.Exists(Directory)) return 0;
        try
        {
            return new DirectoryInfo(Directory).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }).Sum(f => f.Length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    public void WriteText(string relative, string text)
    {
        var path = PathOf(relative);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, text);
    }

    public void WriteJson(string relative, JsonNode node) => WriteText(relative, Serialize(node));

    /// <summary>Writes a typed record with the same conventions (sorted keys, 2-space indent, LF) as every other file.</summary>
    public void WriteRecord<T>(string relative, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        WriteJson(relative, JsonSerializer.SerializeToNode(value, type)!);

    public void WriteBrief(string relative, FailureBrief brief) =>
        WriteText(relative, JsonSerializer.Serialize(brief, ContractJsonContext.Files.FailureBrief) + "\n");

    public static string Serialize(JsonNode node) => Sorted(node)!.ToJsonString(Indented).Replace("\r\n", "\n") + "\n";

    /// <summary>Copies the run directory to <paramref name="outDir"/>/&lt;run-id&gt; (export; never overwrites).</summary>
    public void ExportTo(string outDir, string runId)
    {
        var target = Path.Combine(outDir, runId);
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(Directory, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination, overwrite: false);
        }
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Sorted)]),
        null => null,
        _ => JsonNode.Parse(node.ToJsonString()),
    };
}
