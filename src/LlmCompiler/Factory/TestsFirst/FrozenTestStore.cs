using System.Text.Json;
using LlmCompiler.Factory.Records;
using LlmCompiler.IO;

namespace LlmCompiler.Factory.TestsFirst;

/// <summary>
/// The frozen tests of each work order's last run, by work-order hash (<c>.llmc/runs/frozen/&lt;sha256&gt;.json</c>):
/// a rerun of the same work order reuses them instead of asking the test author again, so its executor is judged
/// against the same tests. An edited work order has another hash and gets new tests.
/// </summary>
internal static class FrozenTestStore
{
    public static FrozenTestSet? Load(RepositoryLayout layout, string workOrderSha256)
    {
        var path = layout.FrozenTestsFile(workOrderSha256);
        try
        {
            if (FileKinds.Of(path) != FileKind.Regular) return null;
            var record = JsonSerializer.Deserialize(File.ReadAllText(path), FactoryJsonContext.Default.TestsFirstRecord);
            if (record is null || record.Frozen.Count == 0 || record.Frozen.Any(f => f.ContentBase64 is null)) return null;
            var files = record.Frozen.Select(f => new FrozenFile(f.Path, f.Blob, f.Sha256, Convert.FromBase64String(f.ContentBase64!))).ToList();
            // A record edited by hand (or by a model's script) does not get to choose the tests: the bytes must match their hashes.
            if (files.Any(f => ContentHash.Sha256Hex(f.Content) != f.Sha256)) return null;
            return new FrozenTestSet(files, new RedEvidence(record.Classification, record.FailingTests, record.CompilerErrors), record.AuthorModel);
        }
        catch (Exception ex) when (ex is IOException or JsonException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static void Save(RepositoryLayout layout, string workOrderSha256, FrozenTestSet frozen)
    {
        var path = layout.FrozenTestsFile(workOrderSha256);
        SafeFile.CreateDirectoryBelow(layout.Root, Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(Record(frozen, [], reused: false, withContent: true), FactoryJsonContext.Default.TestsFirstRecord));
    }

    public static TestsFirstRecord Record(FrozenTestSet frozen, IReadOnlyList<AttemptRecord> authorAttempts, bool reused, bool withContent = false) => new()
    {
        Frozen = [.. frozen.Files.Select(f => new FrozenFileRecord { Path = f.Path, Blob = f.BlobId, Sha256 = f.Sha256, ContentBase64 = withContent ? Convert.ToBase64String(f.Content) : null })],
        Classification = frozen.Red.Classification,
        FailingTests = frozen.Red.FailingTests,
        CompilerErrors = frozen.Red.CompilerErrors,
        AuthorModel = frozen.AuthorModel,
        AuthorAttempts = authorAttempts,
        Reused = reused,
    };
}
