using System.Text;
using System.Text.Json;
using LlmCompiler.Contracts;

namespace LlmCompiler.Factory;

/// <summary>
/// The canonical form of a work order, whose SHA-256 goes into the <c>Work-Order-Sha256:</c> trailer: the
/// typed contract serialised compactly with its fixed property order, without provenance or unknown
/// properties (re-planning the same work must not look like new work; a typo'd extra field changes nothing).
/// </summary>
public static class WorkOrderIdentity
{
    public static string CanonicalJson(WorkOrder workOrder)
    {
        var options = new JsonSerializerOptions(ContractJsonContext.Default.Options) { WriteIndented = false };
        var context = new ContractJsonContext(options);
        return JsonSerializer.Serialize(workOrder with { Provenance = null, UnknownProperties = null }, context.WorkOrder);
    }

    public static string Sha256(WorkOrder workOrder) => WriteGate.Sha256Hex(Encoding.UTF8.GetBytes(CanonicalJson(workOrder)));
}
