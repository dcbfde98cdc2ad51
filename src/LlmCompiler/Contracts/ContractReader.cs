using System.Text.Json;
using LlmCompiler.Contracts.Json;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Contracts;

/// <summary>
/// The one way untrusted contract JSON enters the engine. Reads manifests, work-order files, verify contracts
/// and write proposals into typed values with positions; applies the planner-side normalisation of the
/// original's §1.4 (trim strings, normalise paths, de-duplicate lists); never throws on bad input.
/// </summary>
public static class ContractReader
{
    internal static readonly string[] WorkOrderProperties =
    [
        "id", "title", "intent", "preconditions", "postconditions", "allowed_files", "forbidden",
        "acceptance_commands", "context_files", "notes", "verify_exempt", "provenance", "depends_on", "tests", "difficulty",
    ];

    private static readonly string[] ManifestProperties = ["system_overview", "verify_contract", "work_orders"];

    private static readonly string[] ProvenanceProperties =
    [
        "planner_run_id", "spec_sha256", "template_sha256", "model", "manifest_sha256", "cassette_keys", "bootstrap",
    ];

    /// <summary>Reads a manifest-shaped document: <c>{system_overview, verify_contract, work_orders}</c>.</summary>
    public static PlanDocument ReadManifest(SourceText source) => ReadManifest(JsonSyntaxParser.Parse(source));

    public static PlanDocument ReadManifest(JsonParseResult parsed)
    {
        var diagnostics = new List<Diagnostic>();
        if (parsed.Root is null)
        {
            diagnostics.Add(parsed.Error!);
            return new PlanDocument([], null, [], diagnostics);
        }
        var source = parsed.Source;
        var root = parsed.Root.Value;
        if (!root.IsObject)
        {
            diagnostics.Add(E000(source, root.Start, null, null,
                $"top level is {root.TypeName}, expected an object with 'work_orders'"));
            return new PlanDocument([], null, [], diagnostics);
        }

        var map = new SourceMap(source, root);
        var binder = new ObjectBinder(root, map, null, DiagnosticCodes.SchemaViolation, diagnostics, ManifestProperties);
        var overview = binder.StringList("system_overview", required: false, pathRule: false, dedupe: false);
        var unknown = binder.CollectUnknown();
        var verifyContract = BindVerifyContract(root, map, diagnostics);

        var workOrders = new List<BoundWorkOrder>();
        if (root.Get("work_orders") is not { } array)
        {
            diagnostics.Add(E000(source, root.Start, null, "work_orders", "'work_orders' is missing; expected an array of work orders"));
        }
        else if (!array.IsArray)
        {
            diagnostics.Add(E000(source, array.Start, null, "work_orders", $"'work_orders' is {array.TypeName}, expected an array"));
        }
        else if (array.Items.Count == 0)
        {
            diagnostics.Add(E000(source, array.Start, null, "work_orders", "'work_orders' is empty; a plan needs at least one work order"));
        }
        else
        {
            var i = 0;
            var allObjects = true;
            foreach (var item in array.Items)
            {
                if (!item.IsObject)
                {
                    allObjects = false;
                    diagnostics.Add(E000(source, item.Start, $"index-{i}", $"work_orders[{i}]",
                        $"work_orders[{i}] is {item.TypeName}, expected an object"));
                }
                i++;
            }
            if (allObjects)
            {
                workOrders.Capacity = array.Items.Count;
                i = 0;
                foreach (var item in array.Items) workOrders.Add(BindWorkOrder(source, item, i++));
            }
        }
        return new PlanDocument(workOrders, verifyContract, overview, diagnostics, unknown);
    }

    /// <summary>Reads one <c>WO-NN.json</c> file holding a single work-order object.</summary>
    public static (BoundWorkOrder? WorkOrder, Diagnostic? Error) ReadWorkOrderFile(SourceText source, int index)
    {
        var parsed = JsonSyntaxParser.Parse(source);
        if (parsed.Root is not { } obj) return (null, parsed.Error);
        if (!obj.IsObject)
        {
            return (null, E000(source, obj.Start, $"index-{index}", null,
                $"top level is {obj.TypeName}, expected a work-order object"));
        }
        return (BindWorkOrder(source, obj, index), null);
    }

    /// <summary>
    /// Reads a directory-style plan: work-order files in order, plus the manifest beside them when present,
    /// which supplies the verify contract and overview (its own work_orders are not consulted).
    /// </summary>
    public static PlanDocument ReadWorkOrderFiles(IReadOnlyList<SourceText> files, SourceText? manifest)
    {
        var diagnostics = new List<Diagnostic>();
        var workOrders = new List<BoundWorkOrder>();
        var unreadable = new List<int>();
        for (var i = 0; i < files.Count; i++)
        {
            var (wo, error) = ReadWorkOrderFile(files[i], i);
            if (error is not null) diagnostics.Add(error);
            if (wo is not null) workOrders.Add(wo);
            else unreadable.Add(i);
        }
        if (files.Count == 0)
        {
            diagnostics.Add(new Diagnostic(DiagnosticCodes.MalformedDocument, DiagnosticSeverity.Error, null, "work_orders", "no WO-*.json files found"));
        }

        BoundVerifyContract? verifyContract = null;
        IReadOnlyList<string> overview = [];
        if (manifest is not null)
        {
            var parsed = JsonSyntaxParser.Parse(manifest);
            if (parsed.Root is not { } root)
            {
                diagnostics.Add(parsed.Error!);
            }
            else if (root.IsObject)
            {
                var map = new SourceMap(manifest, root);
                verifyContract = BindVerifyContract(root, map, diagnostics);
                var binder = new ObjectBinder(root, map, null, DiagnosticCodes.SchemaViolation, [], ManifestProperties);
                overview = binder.StringList("system_overview", required: false, pathRule: false, dedupe: false);
            }
            else
            {
                diagnostics.Add(E000(manifest, root.Start, null, null, $"top level is {root.TypeName}, expected an object"));
            }
        }
        return new PlanDocument(workOrders, verifyContract, overview, diagnostics) { UnreadableIndexes = unreadable };
    }

    internal static BoundWorkOrder BindWorkOrder(SourceText source, JsonSyntax obj, int index)
    {
        var diagnostics = new List<Diagnostic>();
        var map = new SourceMap(source, obj);

        var idValue = obj.Get("id");
        var idShape = idValue switch
        {
            null => IdShape.Missing,
            { IsString: true } => IdShape.Present,
            _ => IdShape.NotString,
        };
        var id = idValue is { IsString: true } idString ? idString.GetString().Trim() : "";
        var woId = id.Length > 0 ? id : $"index-{index}";

        var b = new ObjectBinder(obj, map, woId, DiagnosticCodes.SchemaViolation, diagnostics, WorkOrderProperties);
        b.IndexMapRoot();
        if (idShape == IdShape.Missing) b.Report(DiagnosticCodes.SchemaViolation, "id", "missing required property 'id'");
        if (idShape == IdShape.NotString) b.Report(DiagnosticCodes.SchemaViolation, "id", $"'id' must be a string, found {idValue!.Value.TypeName}");

        var title = b.RequiredString("title");
        var intent = b.RequiredString("intent");
        var preconditions = b.Conditions("preconditions", required: false, existsOnly: false);
        var postconditions = b.Conditions("postconditions", required: false, existsOnly: true);
        var allowed = b.StringList("allowed_files", required: true, pathRule: true, dedupe: true, globCode: DiagnosticCodes.GlobInFileList);
        var forbidden = b.StringList("forbidden", required: true, pathRule: false, dedupe: true);
        var acceptance = b.StringList("acceptance_commands", required: true, pathRule: false, dedupe: true, rejectEmpty: true);
        if (b.Get("acceptance_commands") is { IsArray: true, Items.Count: 0 })
        {
            b.Report(DiagnosticCodes.SchemaViolation, "acceptance_commands", "'acceptance_commands' must be non-empty: every work order needs an executable check");
        }
        var context = b.StringList("context_files", required: true, pathRule: true, dedupe: true, globCode: DiagnosticCodes.GlobInFileList);
        if (context.Count > WorkOrder.MaxContextFiles)
        {
            b.Report(DiagnosticCodes.SchemaViolation, map.ElementField("context_files", WorkOrder.MaxContextFiles),
                $"'context_files' has {context.Count} distinct files; at most {WorkOrder.MaxContextFiles} are allowed");
        }
        var notes = b.OptionalString("notes");
        var verifyExempt = b.OptionalBool("verify_exempt");
        // Absent (or null) keeps the sequential meaning; ids are checked against the plan by the chain rules (E107/E108).
        IReadOnlyList<string>? dependsOn = b.Get("depends_on") is { Kind: not JsonSyntaxKind.Null }
            ? b.StringList("depends_on", required: false, pathRule: false, dedupe: true, rejectEmpty: true)
            : null;
        // Absent (or null) and [] both mean no tests first; paths follow the path rule like allowed_files.
        IReadOnlyList<string>? tests = b.Get("tests") is { Kind: not JsonSyntaxKind.Null }
            ? b.StringList("tests", required: false, pathRule: true, dedupe: true, globCode: DiagnosticCodes.GlobInFileList)
            : null;
        var difficulty = b.OptionalString("difficulty");
        if (difficulty is not null && WorkOrderDifficulties.Parse(difficulty) is null)
        {
            b.Report(DiagnosticCodes.SchemaViolation, "difficulty", $"'difficulty' must be one of easy, medium, hard, found '{difficulty}'");
            difficulty = null;
        }
        var provenance = BindProvenance(b, map, woId, diagnostics);
        var unknown = b.CollectUnknown();

        var value = new WorkOrder
        {
            Id = id,
            Title = title,
            Intent = intent,
            Preconditions = preconditions,
            Postconditions = postconditions,
            AllowedFiles = allowed,
            Forbidden = forbidden,
            AcceptanceCommands = acceptance,
            ContextFiles = context,
            Notes = notes,
            VerifyExempt = verifyExempt,
            DependsOn = dependsOn,
            Tests = tests,
            Difficulty = difficulty,
            Provenance = provenance,
            UnknownProperties = unknown,
        };
        return new BoundWorkOrder(value, index, map, idShape, diagnostics);
    }

    private static Provenance? BindProvenance(ObjectBinder parent, SourceMap map, string woId, List<Diagnostic> diagnostics)
    {
        if (parent.Get("provenance") is not { IsNull: false } obj) return null;
        if (!obj.IsObject)
        {
            parent.Report(DiagnosticCodes.SchemaViolation, "provenance", $"'provenance' must be an object, found {obj.TypeName}");
            return null;
        }
        var b = new ObjectBinder(obj, map, woId, DiagnosticCodes.SchemaViolation, diagnostics, ProvenanceProperties, "provenance.");
        return new Provenance
        {
            PlannerRunId = b.OptionalString("planner_run_id") ?? "",
            SpecSha256 = b.OptionalString("spec_sha256"),
            TemplateSha256 = b.OptionalString("template_sha256"),
            Model = b.OptionalString("model"),
            ManifestSha256 = b.OptionalString("manifest_sha256"),
            CassetteKeys = b.StringList("cassette_keys", required: false, pathRule: false, dedupe: false),
            Bootstrap = b.OptionalBool("bootstrap"),
            UnknownProperties = CollectSilently(b),
        };
    }

    // Tools may extend provenance; unknown keys there are kept but not worth a warning.
    private static Dictionary<string, JsonElement>? CollectSilently(ObjectBinder b)
    {
        var sink = new List<Diagnostic>();
        return b.CollectUnknownInto(sink);
    }

    private static BoundVerifyContract? BindVerifyContract(JsonSyntax root, SourceMap rootMap, List<Diagnostic> diagnostics)
    {
        if (root.Get("verify_contract") is not { IsNull: false } obj) return null;
        if (!obj.IsObject)
        {
            diagnostics.Add(E000(rootMap.Source, obj.Start, null, "verify_contract",
                $"'verify_contract' is {obj.TypeName}, expected an object {{\"command\", \"requires\"}} or null"));
            return null;
        }
        var map = new SourceMap(rootMap.Source, root);
        var b = new ObjectBinder(obj, map, null, DiagnosticCodes.MalformedDocument, diagnostics, ["command", "requires"], "verify_contract.");
        var command = b.RequiredString("command");
        if (command.Length == 0 && b.Get("command") is { IsString: true })
        {
            b.Report(DiagnosticCodes.MalformedDocument, "command", "'verify_contract.command' must not be empty");
        }
        var requires = b.Conditions("requires", required: true, existsOnly: false);
        b.CollectUnknown();
        return new BoundVerifyContract(new VerifyContract { Command = command, Requires = requires }, map);
    }

    /// <summary>
    /// Reads the executor's write proposal. Every shape problem is E214 with a position in the saved response;
    /// paths must pass the path rule as written (no trimming), hashes are 64 hex digits (stored lower-case),
    /// and the size limits of the original's §1.6 apply.
    /// </summary>
    public static (WriteProposal? Proposal, IReadOnlyList<Diagnostic> Diagnostics) ReadWriteProposal(JsonParseResult parsed)
    {
        var diagnostics = new List<Diagnostic>();
        if (parsed.Root is not { } root) return (null, [parsed.Error!]);
        var source = parsed.Source;
        if (!root.IsObject)
        {
            return (null, [new Diagnostic(DiagnosticCodes.ProposalInvalid, DiagnosticSeverity.Error, null, null,
                $"proposal is {root.TypeName}, expected an object {{\"summary\", \"writes\"}}", source.Path,
                source.GetPosition(root.Start).Line, source.GetPosition(root.Start).Column)]);
        }
        var map = new SourceMap(source, root);
        var b = new ObjectBinder(root, map, null, DiagnosticCodes.ProposalInvalid, diagnostics, ["summary", "writes"]);
        var summary = b.RequiredString("summary", trim: false);
        var writesArray = b.Array("writes", required: true);
        var writes = new List<FileWrite>();
        long total = 0;
        if (writesArray is { Items.Count: 0 }) b.Report(DiagnosticCodes.ProposalInvalid, "writes", "'writes' must be non-empty");
        var index = -1;
        foreach (var obj in writesArray?.Items ?? default)
        {
            var i = ++index;
            var field = $"writes[{i}]";
            if (!obj.IsObject)
            {
                b.Report(DiagnosticCodes.ProposalInvalid, field, $"'{field}' must be an object {{\"path\", \"base_sha256\", \"content\"}}, found {obj.TypeName}");
                continue;
            }
            var w = new ObjectBinder(obj, map, null, DiagnosticCodes.ProposalInvalid, diagnostics, ["path", "base_sha256", "content"], field + ".");
            var path = w.RequiredString("path", trim: false);
            var hash = w.RequiredString("base_sha256", trim: false);
            var content = w.RequiredString("content", trim: false);
            foreach (var extra in obj.Properties)
            {
                var name = extra.Name;
                if (name is "path" or "base_sha256" or "content") continue;
                w.Report(DiagnosticCodes.ProposalInvalid, name, $"unknown property '{name}' in a write");
            }
            var ok = true;
            if (obj.Find("path") is not null && !RepoPath.TryNormalize(path, out path, out var error))
            {
                w.Report(DiagnosticCodes.ProposalInvalid, "path", $"'{field}.path' is not a valid repository path: {error}");
                ok = false;
            }
            if (obj.Find("base_sha256") is not null && !IsSha256(hash))
            {
                w.Report(DiagnosticCodes.ProposalInvalid, "base_sha256", $"'{field}.base_sha256' must be 64 hexadecimal digits");
                ok = false;
            }
            var bytes = System.Text.Encoding.UTF8.GetByteCount(content);
            total += bytes;
            if (bytes > WriteProposal.MaxFileBytes)
            {
                w.Report(DiagnosticCodes.ProposalInvalid, "content", $"'{field}.content' is {bytes:N0} bytes; the limit per file is {WriteProposal.MaxFileBytes:N0}");
                ok = false;
            }
            if (ok && path.Length > 0) writes.Add(new FileWrite(path, hash.ToLowerInvariant(), content));
        }
        if (total > WriteProposal.MaxTotalBytes)
        {
            b.Report(DiagnosticCodes.ProposalInvalid, "writes", $"total write content exceeds {WriteProposal.MaxTotalBytes:N0} bytes ({total:N0})");
        }
        foreach (var extra in root.Properties)
        {
            var name = extra.Name;
            if (name is "summary" or "writes") continue;
            b.Report(DiagnosticCodes.ProposalInvalid, name, $"unknown property '{name}' in the proposal");
        }
        return diagnostics.Any(d => d.IsError) ? (null, diagnostics) : (new WriteProposal { Summary = summary, Writes = writes }, diagnostics);
    }

    private static bool IsSha256(string text) => text.Length == 64 && text.All(char.IsAsciiHexDigit);

    private static Diagnostic E000(SourceText source, int offset, string? woId, string? field, string message)
    {
        var p = source.GetPosition(offset);
        return new Diagnostic(DiagnosticCodes.MalformedDocument, DiagnosticSeverity.Error, woId, field, message, source.Path, p.Line, p.Column);
    }
}
