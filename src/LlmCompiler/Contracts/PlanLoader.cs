using LlmCompiler.Contracts.Json;

namespace LlmCompiler.Contracts;

/// <summary>A plan read from disk, or the one-line reason it could not be read.</summary>
public sealed record PlanLoadResult(PlanDocument? Document, string? IoError)
{
    public bool Success => Document is not null;

    /// <summary>Set when the path named one work-order file: it was read with the plan folder around it, and only its
    /// findings are about it.</summary>
    public string? FocusFile { get; init; }
}

/// <summary>
/// Reads a plan from disk: a manifest file, a directory of <c>WO-*.json</c> files (with
/// <c>WORK_ORDERS_MANIFEST.json</c> beside them supplying the verify contract), or an explicit file list.
/// I/O problems are returned as a message (the CLI's exit 1); content problems are diagnostics.
/// </summary>
public static class PlanLoader
{
    public const string WorkOrderFilePattern = "WO-*.json";

    public static PlanLoadResult Load(string path)
    {
        if (Directory.Exists(path))
        {
            var files = Directory.GetFiles(path, WorkOrderFilePattern, SearchOption.TopDirectoryOnly);
            var manifest = Path.Combine(path, Manifest.FileName);
            return LoadFiles(files, File.Exists(manifest) ? manifest : null);
        }
        if (File.Exists(path))
        {
            if (!TryRead(path, out var source, out var error)) return new PlanLoadResult(null, error);
            if (LooksLikeWorkOrder(source!) && Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder)
            {
                // One WO-NN.json: its chain checks need the plan it belongs to (the files and manifest beside it).
                var siblings = Directory.GetFiles(folder, WorkOrderFilePattern, SearchOption.TopDirectoryOnly).Select(Path.GetFullPath).Append(Path.GetFullPath(path)).Distinct(StringComparer.Ordinal);
                var manifest = Path.Combine(folder, Manifest.FileName);
                return LoadFiles(siblings, File.Exists(manifest) && !SamePath(manifest, path) ? manifest : null) with { FocusFile = Path.GetFullPath(path) };
            }
            return new PlanLoadResult(ContractReader.ReadManifest(source!), null);
        }
        return new PlanLoadResult(null, $"'{path}' does not exist");
    }

    /// <summary>Reads the given work-order files in work-order order, plus an optional manifest.</summary>
    public static PlanLoadResult LoadFiles(IEnumerable<string> workOrderFiles, string? manifestPath)
    {
        var sources = new List<SourceText>();
        foreach (var file in SortByWorkOrderNumber(workOrderFiles))
        {
            if (!TryRead(file, out var source, out var error)) return new PlanLoadResult(null, error);
            sources.Add(source!);
        }
        SourceText? manifest = null;
        if (manifestPath is not null && !TryRead(manifestPath, out manifest, out var manifestError))
        {
            return new PlanLoadResult(null, manifestError);
        }
        return new PlanLoadResult(ContractReader.ReadWorkOrderFiles(sources, manifest), null);
    }

    /// <summary>A JSON object with an <c>id</c> and no <c>work_orders</c>: a work order, not a manifest.</summary>
    private static bool LooksLikeWorkOrder(Json.SourceText source)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(source.Utf8, new System.Text.Json.JsonDocumentOptions { MaxDepth = 64 });
            var root = document.RootElement;
            return root.ValueKind == System.Text.Json.JsonValueKind.Object && root.TryGetProperty("id", out _) && !root.TryGetProperty("work_orders", out _);
        }
        catch (System.Text.Json.JsonException)
        {
            // Unparseable: the manifest reader reports it with its position.
            return false;
        }
    }

    private static bool SamePath(string a, string b) => string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);

    /// <summary>Orders <c>WO-2.json</c> before <c>WO-10.json</c>; names without a number go last, by name.</summary>
    public static IEnumerable<string> SortByWorkOrderNumber(IEnumerable<string> files) =>
        files.OrderBy(f => NumberOf(f) ?? int.MaxValue).ThenBy(f => Path.GetFileName(f), StringComparer.Ordinal);

    private static int? NumberOf(string file)
    {
        var name = Path.GetFileNameWithoutExtension(file);
        if (!name.StartsWith("WO-", StringComparison.OrdinalIgnoreCase)) return null;
        return int.TryParse(name.AsSpan(3), System.Globalization.NumberStyles.None, null, out var n) ? n : null;
    }

    private static bool TryRead(string path, out SourceText? source, out string? error)
    {
        source = null;
        error = null;
        var kind = IO.FileKinds.OfTarget(path);
        if (kind != IO.FileKind.Regular)
        {
            // A FIFO would block the read forever and /dev/zero would never end: only regular files are inputs.
            error = $"cannot read '{path}': it {IO.FileKinds.Describe(kind)}";
            return false;
        }
        try
        {
            var info = new FileInfo(path);
            if (info.Length > JsonSyntaxParser.MaxDocumentBytes)
            {
                // Let the parser report the size as E000 without reading a huge file into memory.
                source = new SourceText(path, new byte[JsonSyntaxParser.MaxDocumentBytes + 1]);
                return true;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read '{path}': {ex.Message}";
            return false;
        }
        // Read with a bound as well: the file may grow between the size check and the read.
        if (!IO.SafeFile.TryReadInput(path, JsonSyntaxParser.MaxDocumentBytes + 1, out var bytes, out var readError))
        {
            if (readError is not null && readError.Contains("larger than", StringComparison.Ordinal))
            {
                source = new SourceText(path, new byte[JsonSyntaxParser.MaxDocumentBytes + 1]);
                return true;
            }
            error = readError;
            return false;
        }
        source = new SourceText(path, bytes);
        return true;
    }
}
