using System.Globalization;
using System.Text;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Llm;

/// <summary>A folder of cassette files, one per exchange, named <c>&lt;purpose&gt;-&lt;first 16 hex of key&gt;.json</c>.</summary>
public sealed class CassetteStore
{
    private const int QuoteLimit = 80;

    public CassetteStore(string directory) => Directory = Path.GetFullPath(directory);

    public string Directory { get; }

    public string PathFor(string purpose, string key) => Path.Combine(Directory, Cassette.FileNameFor(purpose, key));

    /// <summary>The cassette for this key, null when there is none, or E309 when the file exists but is unusable
    /// (including a 16-hex prefix collision, detected by comparing the full key).</summary>
    public (Cassette? Cassette, Diagnostic? Error) TryLoad(string purpose, string key)
    {
        var path = PathFor(purpose, key);
        if (!File.Exists(path))
        {
            return (null, null);
        }

        var (cassette, error) = Cassette.Read(path);
        if (error is not null)
        {
            return (null, error);
        }

        if (!string.Equals(cassette!.Key, key, StringComparison.Ordinal))
        {
            return (null, DiagnosticCatalog.Create(DiagnosticCodes.CassetteInvalid, $"Cassette {Path.GetFileName(path)} holds key {cassette.Key}, not the requested {key}.") with { File = path });
        }

        return (cassette, null);
    }

    /// <summary>Writes the cassette atomically (temporary file in the same folder, then rename).</summary>
    public string Save(Cassette cassette)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = PathFor(cassette.Purpose, cassette.Key);
        var temporary = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            File.WriteAllText(temporary, cassette.ToJson(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }

        return path;
    }

    /// <summary>
    /// The E305 for a replay miss: names the nearest recorded request in the folder (same purpose preferred, then
    /// the most leading lines in common, message by message) and the first place where the two differ.
    /// </summary>
    public Diagnostic ExplainMiss(string purpose, CanonicalRequest request, string key)
    {
        var head = $"No cassette for the {purpose} request {key[..16]} in {Directory} (replay mode never calls the model).";
        const string hint = " Run once with mode 'record' or 'auto' to record it.";
        if (!System.IO.Directory.Exists(Directory))
        {
            return DiagnosticCatalog.Create(DiagnosticCodes.CassetteMiss, head + " The folder does not exist." + hint);
        }

        (Cassette Cassette, string Path, long Score)? best = null;
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*.json").Order(StringComparer.Ordinal))
        {
            var (cassette, _) = Cassette.Read(path);
            if (cassette is null)
            {
                continue;
            }

            var score = Similarity(purpose, request, cassette);
            if (best is null || score > best.Value.Score)
            {
                best = (cassette, path, score);
            }
        }

        if (best is null)
        {
            return DiagnosticCatalog.Create(DiagnosticCodes.CassetteMiss, head + " The folder holds no readable cassette." + hint);
        }

        var nearest = best.Value;
        var difference = FirstDifference(nearest.Cassette.Request, request);
        var message = $"{head} Nearest recorded: {Path.GetFileName(nearest.Path)} ({nearest.Cassette.Purpose}, recorded "
            + $"{nearest.Cassette.RecordedAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC); "
            + $"first difference: {difference}.{hint}";
        return DiagnosticCatalog.Create(DiagnosticCodes.CassetteMiss, message) with { File = nearest.Path };
    }

    private static long Similarity(string purpose, CanonicalRequest request, Cassette cassette)
    {
        long score = string.Equals(cassette.Purpose, purpose, StringComparison.Ordinal) ? 1_000_000_000 : 0;
        score += cassette.Request.Model == request.Model ? 1_000_000 : 0;
        var count = Math.Min(cassette.Request.Messages.Count, request.Messages.Count);
        for (var i = 0; i < count; i++)
        {
            var recorded = cassette.Request.Messages[i].Content.Split('\n');
            var wanted = request.Messages[i].Content.Split('\n');
            var common = CommonPrefix(recorded, wanted);
            score += common;
            if (common < Math.Max(recorded.Length, wanted.Length))
            {
                break;
            }
        }

        return score;
    }

    internal static string FirstDifference(CanonicalRequest recorded, CanonicalRequest wanted)
    {
        if (recorded.Model != wanted.Model)
        {
            return $"model: recorded {Quote(recorded.Model)}, requested {Quote(wanted.Model)}";
        }

        if (recorded.Temperature != wanted.Temperature)
        {
            return $"temperature: recorded {Format(recorded.Temperature)}, requested {Format(wanted.Temperature)}";
        }

        if (recorded.MaxOutputTokens != wanted.MaxOutputTokens)
        {
            return $"max output tokens: recorded {recorded.MaxOutputTokens}, requested {wanted.MaxOutputTokens}";
        }

        if (recorded.ResponseFormat is { } rf && wanted.ResponseFormat is { } wf && rf.Name == wf.Name && rf.Schema != wf.Schema)
        {
            var l = rf.Schema.Split('\n');
            var r = wf.Schema.Split('\n');
            var n = CommonPrefix(l, r);
            return $"response format {Quote(rf.Name)} schema, line {n + 1}: recorded {(n < l.Length ? Quote(l[n]) : "(end)")}, requested {(n < r.Length ? Quote(r[n]) : "(end)")}";
        }

        if (recorded.ResponseFormat != wanted.ResponseFormat)
        {
            return $"response format: recorded {Describe(recorded.ResponseFormat)}, requested {Describe(wanted.ResponseFormat)}";
        }

        var count = Math.Min(recorded.Messages.Count, wanted.Messages.Count);
        for (var i = 0; i < count; i++)
        {
            var a = recorded.Messages[i];
            var b = wanted.Messages[i];
            if (a.Role != b.Role)
            {
                return $"message {i + 1}: recorded role {Quote(a.Role)}, requested {Quote(b.Role)}";
            }

            if (a.Content == b.Content)
            {
                continue;
            }

            var left = a.Content.Split('\n');
            var right = b.Content.Split('\n');
            var line = CommonPrefix(left, right);
            var recordedLine = line < left.Length ? Quote(left[line]) : "(end of message)";
            var requestedLine = line < right.Length ? Quote(right[line]) : "(end of message)";
            return $"message {i + 1} ({b.Role}), line {line + 1}: recorded {recordedLine}, requested {requestedLine}";
        }

        return $"message count: recorded {recorded.Messages.Count}, requested {wanted.Messages.Count}";
    }

    private static int CommonPrefix(string[] a, string[] b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n])
        {
            n++;
        }

        return n;
    }

    private static string Describe(ResponseFormatSpec? format) => format is null ? "plain text" : $"json_schema {Quote(format.Name)}";

    private static string Format(float? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "unset";

    private static string Quote(string text)
    {
        var trimmed = text.TrimEnd('\r');
        return trimmed.Length <= QuoteLimit ? $"\"{trimmed}\"" : $"\"{trimmed[..QuoteLimit]}…\"";
    }
}
