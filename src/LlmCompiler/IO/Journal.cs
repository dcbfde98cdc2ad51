using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmCompiler.IO;

/// <summary>One journal line: an event name, when, and its fields.</summary>
public sealed record JournalEntry(string Event, DateTimeOffset Time, JsonObject Data)
{
    public string? GetString(string name) => Data.TryGetPropertyValue(name, out var node) && node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}

/// <summary>
/// An append-only JSONL journal. Each line is written and fsynced before the action it announces, so after a
/// crash the journal tells the next run what may be half done. The reader skips a torn or malformed line.
/// </summary>
public sealed class Journal : IDisposable
{
    private readonly FileStream _stream;
    private readonly object _gate = new();

    private Journal(FileStream stream, string path)
    {
        _stream = stream;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Journals are read whole by recovery; anything larger is not a journal this tool wrote.</summary>
    public const long MaxJournalBytes = 64L * 1024 * 1024;

    public static Journal Open(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var kind = FileKinds.Of(path);
        if (kind is not (FileKind.Missing or FileKind.Regular)) throw new ToolStateException($"the journal '{path}' {FileKinds.Describe(kind)}");
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        return new Journal(stream, path);
    }

    public void Append(string eventName, JsonObject? data = null)
    {
        var line = new JsonObject
        {
            ["event"] = eventName,
            ["time"] = DateTimeOffset.UtcNow.ToString("O"),
            ["data"] = data ?? new JsonObject(),
        };
        var bytes = Encoding.UTF8.GetBytes(line.ToJsonString() + "\n");
        lock (_gate)
        {
            _stream.Write(bytes);
            _stream.Flush(flushToDisk: true);
        }
    }

    public static IReadOnlyList<JournalEntry> Read(string path)
    {
        var entries = new List<JournalEntry>();
        // A FIFO or directory where the journal belongs reads as empty rather than blocking or throwing.
        var text = SafeFile.ReadTextOrNull(path, MaxJournalBytes);
        if (text is null) return entries;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            try
            {
                if (JsonNode.Parse(line) is not JsonObject obj) continue;
                var name = obj["event"]?.GetValue<string>();
                if (name is null) continue;
                var time = DateTimeOffset.TryParse(obj["time"]?.GetValue<string>(), out var t) ? t : DateTimeOffset.MinValue;
                var data = obj["data"] as JsonObject ?? new JsonObject();
                obj.Remove("data");
                entries.Add(new JournalEntry(name, time, data));
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
            {
                // A torn last line after a crash, or garbage: skip it, the rest is still good.
            }
        }
        return entries;
    }

    public void Dispose() => _stream.Dispose();
}
