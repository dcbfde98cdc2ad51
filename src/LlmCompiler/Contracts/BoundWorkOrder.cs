using LlmCompiler.Diagnostics;

namespace LlmCompiler.Contracts;

public enum IdShape { Present, Missing, NotString }

/// <summary>
/// A work order as read from untrusted JSON: the best-effort typed value (malformed fields are empty), its
/// source map, and the shape findings (E004, E005, W102) in the order they were found.
/// </summary>
public sealed record BoundWorkOrder(WorkOrder Value, int Index, SourceMap Map, IdShape IdShape, IReadOnlyList<Diagnostic> ShapeDiagnostics)
{
    /// <summary>The id diagnostics are attributed to: the id, or <c>index-N</c> when it is missing or unusable.</summary>
    public string DisplayId => IdShape == IdShape.Present && Value.Id.Length > 0 ? Value.Id : $"index-{Index}";

    public bool HasShapeErrors => ShapeDiagnostics.Any(d => d.IsError);
}

/// <summary>A verify contract as read from JSON, with where it came from.</summary>
public sealed record BoundVerifyContract(VerifyContract Value, SourceMap Map);

/// <summary>Everything read from one manifest-shaped document (or a directory of work-order files).</summary>
public sealed record PlanDocument(
    IReadOnlyList<BoundWorkOrder> WorkOrders,
    BoundVerifyContract? VerifyContract,
    IReadOnlyList<string> SystemOverview,
    IReadOnlyList<Diagnostic> DocumentDiagnostics,
    IReadOnlyDictionary<string, System.Text.Json.JsonElement>? UnknownProperties = null)
{
    /// <summary>
    /// Positions (in plan order) of work-order files that could not be read at all (E000): the work orders after the
    /// first of them cannot be judged by the chain checks, which need every earlier work order.
    /// </summary>
    public IReadOnlyList<int> UnreadableIndexes { get; init; } = [];

    /// <summary>True when the document was too malformed to yield work orders (an E000 stopped binding).</summary>
    public bool IsStructurallyBroken => DocumentDiagnostics.Any(d => d.Code == DiagnosticCodes.MalformedDocument && d.Field != "verify_contract" && !(d.Field?.StartsWith("verify_contract", StringComparison.Ordinal) ?? false));

    public Manifest ToManifest() => new()
    {
        SystemOverview = SystemOverview,
        VerifyContract = VerifyContract?.Value,
        WorkOrders = [.. WorkOrders.Select(w => w.Value)],
        UnknownProperties = UnknownProperties is null ? null : new(UnknownProperties),
    };
}
