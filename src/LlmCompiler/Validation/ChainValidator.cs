using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Validation;

/// <summary>
/// Checks across work orders (original §2.3 with CONTRACT.md §3). The file state starts as the repository
/// listing and grows by each work order's file_exists postconditions; per work order the emission order is
/// E105, E102, E101, E103, E104, W101, W105; after the last one, E106 per unmet verify-contract requirement.
/// </summary>
internal static class ChainValidator
{
    private const string LegacyVerifyScript = "scripts/verify.sh";

    private static readonly string[] LegacyVerifyArgv = ["bash", LegacyVerifyScript];

    public static void Validate(IReadOnlyList<BoundWorkOrder> workOrders, IReadOnlyList<AcceptanceCommand[]> commands,
        BoundVerifyContract? verifyContract, IReadOnlySet<string> repoFiles, List<Diagnostic> errors, List<Diagnostic> warnings)
    {
        var capacity = 0;
        foreach (var wo in workOrders) capacity += wo.Value.Postconditions.Count + wo.Value.TestFiles.Count;
        var state = new FileState(repoFiles, capacity);
        var suggestions = new PathSuggestions(state);
        // A plan judged without its repository misses the same file in every work order: one message per distinct text.
        // Equal command texts share one analysis, so a command's messages are found by reference, not by hashing its text.
        var commandMessages = new Dictionary<AcceptanceCommand, string?[]>(ReferenceEqualityComparer.Instance);
        var contextMessages = new Dictionary<string, (string Hint, string Message)>(StringComparer.Ordinal);
        var verifyArgv = verifyContract is { Value.Command.Length: > 0 } vc
            ? new AcceptanceCommand(vc.Value.Command) is { Tokens.IsParsed: true } parsed ? parsed.NormalizedArgv() : null
            : null;

        for (var w = 0; w < workOrders.Count; w++)
        {
            var wo = workOrders[w];
            var value = wo.Value;
            var map = wo.Map;
            var id = wo.DisplayId;

            for (var c = 0; c < commands[w].Length; c++)
            {
                var command = commands[w][c];
                if (!command.Tokens.IsParsed) continue;
                if (command.HasNormalizedArgv(LegacyVerifyArgv))
                {
                    errors.Add(map.CreateAtElement(DiagnosticCodes.VerifyCommandAsAcceptance, id, "acceptance_commands", c, $"acceptance command runs the global verify script: {command.Text}"));
                }
                else if (verifyArgv is not null && command.HasNormalizedArgv(verifyArgv))
                {
                    errors.Add(map.CreateAtElement(DiagnosticCodes.VerifyCommandAsAcceptance, id, "acceptance_commands", c,
                        $"acceptance command is the verify contract's own command ({command.Text}); the factory already runs it, so acceptance must check this work order specifically"));
                }
            }

            CheckContradictions(value.Preconditions, map, id, errors);

            for (var p = 0; p < value.Preconditions.Count; p++)
            {
                var pre = value.Preconditions[p];
                if (pre.Kind == ConditionKind.FileExists && !state.ContainsFile(pre.Path))
                {
                    errors.Add(map.CreateAtElement(DiagnosticCodes.PreconditionCannotHold, id, "preconditions", p,
                        $"precondition file_exists('{pre.Path}') cannot hold: no earlier work order creates it and the repository does not contain it"));
                }
                else if (pre.Kind == ConditionKind.FileAbsent && state.ContainsFile(pre.Path))
                {
                    errors.Add(map.CreateAtElement(DiagnosticCodes.PreconditionCannotHold, id, "preconditions", p,
                        $"precondition file_absent('{pre.Path}') cannot hold: {state.Origin(pre.Path)}"));
                }
            }

            var created = value.CreatedPaths;
            if (value.Postconditions.Count > 0)
            {
                for (var p = 0; p < value.Postconditions.Count; p++)
                {
                    var post = value.Postconditions[p];
                    if (!value.AllowedFiles.Contains(post.Path))
                    {
                        errors.Add(map.CreateAtElement(DiagnosticCodes.PostconditionOutsideScope, id, "postconditions", p,
                            $"postcondition '{post.Path}' is not in allowed_files, so the work order can never create it"));
                    }
                }
                for (var a = 0; a < value.AllowedFiles.Count; a++)
                {
                    if (!created.Contains(value.AllowedFiles[a]))
                    {
                        errors.Add(map.CreateAtElement(DiagnosticCodes.AllowedFileWithoutPostcondition, id, "allowed_files", a,
                            $"allowed file '{value.AllowedFiles[a]}' has no file_exists postcondition"));
                    }
                }
            }

            // W101 judges against the state after this work order; the state then stays advanced.
            state.AddRange(created);
            var after = state;
            for (var c = 0; c < commands[w].Length; c++)
            {
                var command = commands[w][c];
                foreach (var module in command.PythonCode is null ? [] : command.ImportedModules())
                {
                    var top = module.Split('.')[0];
                    if (PythonKnownModules.Names.Contains(top)) continue;
                    var stem = module.Replace('.', '/');
                    string[] candidates = [stem + ".py", stem + "/__init__.py"];
                    if (!candidates.Any(after.ContainsFile))
                    {
                        warnings.Add(map.CreateAtElement(DiagnosticCodes.AcceptanceFileNeverCreated, id, "acceptance_commands", c,
                            $"python module '{module}' is imported but none of [{string.Join(", ", candidates)}] exists after this work order: {command.Text}"));
                    }
                }
                var fileArguments = command.FileArguments();
                for (var f = 0; f < fileArguments.Count; f++)
                {
                    var (path, directoryLike) = fileArguments[f];
                    var present = after.ContainsFile(path) || directoryLike && after.ContainsDirectory(path);
                    if (!present)
                    {
                        if (!commandMessages.TryGetValue(command, out var known)) commandMessages[command] = known = new string?[fileArguments.Count];
                        var message = known[f] ??= $"'{path}' is used by the acceptance command but neither the repository nor this or an earlier work order creates it: {command.Text}";
                        warnings.Add(map.CreateAtElement(DiagnosticCodes.AcceptanceFileNeverCreated, id, "acceptance_commands", c, message));
                    }
                }
            }

            // A context file is shown to the model as it is; one that never exists is most likely misspelled.
            for (var c = 0; c < value.ContextFiles.Count; c++)
            {
                var path = value.ContextFiles[c];
                if (after.ContainsFile(path) || after.ContainsDirectory(path) || value.AllowedFiles.Contains(path)) continue;
                var hint = suggestions.For(path);
                // The hint is the same string until a better match turns up.
                if (!contextMessages.TryGetValue(path, out var known) || !ReferenceEquals(known.Hint, hint))
                {
                    contextMessages[path] = known = (hint, $"context file '{path}' does not exist in the repository and no earlier work order (nor this one) creates it; the model will see it as missing{hint}");
                }
                warnings.Add(map.CreateAtElement(DiagnosticCodes.ContextFileNeverExists, id, "context_files", c, known.Message));
            }
        }

        if (verifyContract is not null)
        {
            var requires = verifyContract.Value.Requires;
            for (var r = 0; r < requires.Count; r++)
            {
                var req = requires[r];
                if (req.Kind == ConditionKind.FileExists && !state.ContainsFile(req.Path))
                {
                    errors.Add(verifyContract.Map.CreateAtElement(DiagnosticCodes.VerifyContractUnsatisfied, null, "verify_contract.requires", r,
                        $"verify contract requires '{req.Path}', but no work order creates it and the repository does not contain it"));
                }
            }
        }
    }

    private static void CheckContradictions(IReadOnlyList<Condition> preconditions, SourceMap map, string id, List<Diagnostic> errors)
    {
        for (var p = 0; p < preconditions.Count; p++)
        {
            var pre = preconditions[p];
            // A path required to exist contradicts only its first file_absent, however often either is listed.
            if (pre.Kind != ConditionKind.FileAbsent || !preconditions.Contains(Condition.Exists(pre.Path)) || !IsFirst(preconditions, p)) continue;
            errors.Add(map.CreateAtElement(DiagnosticCodes.ContradictoryPreconditions, id, "preconditions", p,
                $"preconditions require '{pre.Path}' to both exist and be absent"));
        }
        SortLastRun(errors, DiagnosticCodes.ContradictoryPreconditions, id);

        static bool IsFirst(IReadOnlyList<Condition> list, int index)
        {
            for (var i = 0; i < index; i++)
            {
                if (list[i] == list[index]) return false;
            }
            return true;
        }
    }

    // E102 is emitted per path in sorted order (original §2.1); sort the ones just added for this work order.
    private static void SortLastRun(List<Diagnostic> errors, string code, string woId)
    {
        var start = errors.Count;
        while (start > 0 && errors[start - 1].Code == code && errors[start - 1].WoId == woId) start--;
        if (errors.Count - start < 2) return;
        var sorted = errors.GetRange(start, errors.Count - start).OrderBy(d => d.Message, StringComparer.Ordinal).ToList();
        errors.RemoveRange(start, sorted.Count);
        errors.AddRange(sorted);
    }
}

/// <summary>The set of files known to exist at a point of the plan; grows, never shrinks.</summary>
internal sealed class FileState
{
    private readonly IReadOnlySet<string> _repo;
    private readonly HashSet<string> _created;
    private readonly List<string> _createdInOrder;
    private HashSet<string>? _directories;
    // Files come in folders, and plans alternate between a few (source and tests): a file in one of the folders seen
    // last has every parent known already.
    private readonly string?[] _recentFolders = new string?[4];
    private int _nextRecent;

    /// <param name="capacity">How many files the plan may create, so the sets are sized once.</param>
    public FileState(IReadOnlySet<string> repo, int capacity = 0)
    {
        _repo = repo;
        _created = new HashSet<string>(capacity, StringComparer.Ordinal);
        _createdInOrder = new List<string>(capacity);
    }

    public bool ContainsFile(string path) => _created.Contains(path) || _repo.Contains(path);

    /// <summary>Every file known at this point (the repository's and the created ones).</summary>
    public IEnumerable<string> Files => _repo.Concat(_created);

    public IReadOnlySet<string> Repository => _repo;

    /// <summary>The files created so far, in the order they were added.</summary>
    public IReadOnlyList<string> CreatedInOrder => _createdInOrder;

    public bool ContainsDirectory(string path)
    {
        if (_directories is null)
        {
            _directories = new HashSet<string>(StringComparer.Ordinal);
            foreach (var file in _repo) AddParents(file);
            foreach (var file in _created) AddParents(file);
        }
        return _directories.Contains(path);
    }

    public string Origin(string path) => _created.Contains(path)
        ? "an earlier work order creates it"
        : "the repository already contains it";

    public void AddRange(IReadOnlyList<string> created)
    {
        for (var i = 0; i < created.Count; i++)
        {
            var file = created[i];
            if (!_created.Add(file)) continue;
            _createdInOrder.Add(file);
            if (_directories is not null) AddParents(file);
        }
    }

    private void AddParents(string file)
    {
        var folder = file.LastIndexOf('/');
        if (folder <= 0) return;
        var name = file.AsSpan(0, folder);
        foreach (var recent in _recentFolders)
        {
            if (recent is not null && name.SequenceEqual(recent)) return;
        }
        var added = file[..folder];
        _recentFolders[_nextRecent] = added;
        _nextRecent = (_nextRecent + 1) % _recentFolders.Length;
        // Deepest first: a folder already known has every parent known.
        if (!_directories!.Add(added)) return;
        for (var slash = file.LastIndexOf('/', folder - 1); slash > 0; slash = file.LastIndexOf('/', slash - 1))
        {
            if (!_directories.Add(file[..slash])) return;
        }
    }
}

/// <summary>
/// The " (did you mean 'x'?)" of a missing path: the known file at the smallest edit distance (within a fifth of the
/// path's length, at least 2; ties by ordinal order). The state only grows, so each path remembers its best match and
/// how many created files it has seen: a path missing from every work order costs one pass over the files in all,
/// not one per work order (which made a 1,000-work-order plan quadratic).
/// </summary>
internal sealed class PathSuggestions(FileState state)
{
    private readonly Dictionary<string, (string? File, int Distance, int Seen, string? Text)> _best = new(StringComparer.Ordinal);

    public string For(string path)
    {
        var limit = Math.Max(2, path.Length / 5);
        if (!_best.TryGetValue(path, out var best))
        {
            best = (null, int.MaxValue, 0, null);
            foreach (var file in state.Repository) best = Better(best, file, path, limit);
        }
        var created = state.CreatedInOrder;
        for (var i = best.Seen; i < created.Count; i++) best = Better(best, created[i], path, limit);
        // The same missing path in every work order: the wording is built again only when the best match changed
        // (a better match comes back without it).
        if (best.Text is null) best = best with { Text = best.File is null ? "" : $"; did you mean '{best.File}'?" };
        _best[path] = best with { Seen = created.Count };
        return best.Text!;
    }

    private static (string? File, int Distance, int Seen, string? Text) Better((string? File, int Distance, int Seen, string? Text) best, string file, string path, int limit)
    {
        // Lengths that differ by more than the limit cannot be within it; the distance itself ignores them past 8.
        if (Math.Abs(file.Length - path.Length) > Math.Min(limit, 8)) return best;
        // Only a distance within the limit and no worse than the best so far can change the answer.
        var distance = NameSuggester.BoundedDistance(file, path, Math.Min(limit, best.Distance));
        if (distance > limit) return best;
        return distance < best.Distance || distance == best.Distance && string.CompareOrdinal(file, best.File) < 0
            ? (file, distance, best.Seen, null)
            : best;
    }
}
