using System.Text.Json;

namespace LlmCompiler.Llm;

/// <summary>One call as written to the ledger.</summary>
public sealed record LedgerEntry
{
    public required DateTimeOffset Timestamp { get; init; }
    public required string Purpose { get; init; }
    public required string Model { get; init; }
    public int InputTokens { get; init; }
    public int OutputTokens { get; init; }
    public decimal CostUsd { get; init; }
    public bool PriceKnown { get; init; }
    public TimeSpan Latency { get; init; }

    /// <summary><c>live</c> or <c>cassette</c>.</summary>
    public required string Source { get; init; }

    public string CassetteKey { get; init; } = "";

    /// <summary>HTTP attempts made (0 for a replay).</summary>
    public int Attempts { get; init; }

    /// <summary><c>ok</c> or the E3xx code the call ended with.</summary>
    public string Outcome { get; init; } = "ok";

    public string? FinishReason { get; init; }
}

/// <summary>
/// Append-only JSONL: one line per call, written and flushed to disk before the call returns, so a crash loses
/// at most the line being written. Concurrent callers are serialised.
/// </summary>
public sealed class CostLedger
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public CostLedger(string path) => Path = System.IO.Path.GetFullPath(path);

    public string Path { get; }

    public async Task AppendAsync(LedgerEntry entry, CancellationToken cancellationToken)
    {
        var line = Format(entry);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var directory = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            var kind = IO.FileKinds.Of(Path);
            if (kind is not (IO.FileKind.Missing or IO.FileKind.Regular)) throw new IO.ToolStateException($"the ledger '{Path}' {IO.FileKinds.Describe(kind)}");
            await using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.None);

            // The line is written whatever the caller's token says: the money is already spent.
            await stream.WriteAsync(line, CancellationToken.None).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    internal static byte[] Format(LedgerEntry entry)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("timestamp", entry.Timestamp.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("purpose", entry.Purpose);
            writer.WriteString("model", entry.Model);
            writer.WriteString("source", entry.Source);
            writer.WriteString("outcome", entry.Outcome);
            if (entry.FinishReason is not null)
            {
                writer.WriteString("finish_reason", entry.FinishReason);
            }

            writer.WriteNumber("input_tokens", entry.InputTokens);
            writer.WriteNumber("output_tokens", entry.OutputTokens);
            writer.WriteNumber("cost_usd", entry.CostUsd);
            writer.WriteBoolean("price_known", entry.PriceKnown);
            writer.WriteNumber("latency_ms", Math.Round(entry.Latency.TotalMilliseconds, 1));
            writer.WriteNumber("attempts", entry.Attempts);
            writer.WriteString("cassette_key", entry.CassetteKey);
            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }
}
