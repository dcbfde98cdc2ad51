using LlmCompiler.Validation;

namespace LlmCompiler.Tests.Validation;

/// <summary>
/// The folders the chain knows (W101 for a directory argument, W105 for a context folder) are derived from the files,
/// remembering the last few folders; whatever the order files arrive in, every parent and nothing else is a folder.
/// </summary>
[TestClass]
public sealed class FileStateTests
{
    [TestMethod]
    public void Every_parent_of_every_file_is_a_folder_whatever_order_the_files_come_in()
    {
        string[] repo = ["README.md", "src/App/App.csproj", "docs/guide/intro.md"];
        // Six folders in turn (more than the folders remembered), some nested in others, some reached later deeper first.
        string[] folders = ["src/App", "tests/App.Tests", "src/App/Sub", "a/b/c/d", "a/b", "lib/x", "tests/App.Tests/Data/Deep"];
        var created = Enumerable.Range(0, 40).Select(i => $"{folders[i % folders.Length]}/File{i}.cs").ToList();
        var state = new FileState(new HashSet<string>(repo, StringComparer.Ordinal));

        // Asking before and after the files are added: the folder set is built lazily and then kept up to date.
        Assert.IsTrue(state.ContainsDirectory("docs/guide"));
        foreach (var chunk in created.Chunk(3)) state.AddRange(chunk);

        var expected = repo.Concat(created).SelectMany(Parents).ToHashSet(StringComparer.Ordinal);
        foreach (var folder in expected) Assert.IsTrue(state.ContainsDirectory(folder), folder);
        foreach (var notFolder in new[] { "src/App/App.csproj", "a/b/c/d/File3.cs", "a/b/c/d/File", "tests/App", "src/Ap", "", "a/b/" })
        {
            Assert.IsFalse(state.ContainsDirectory(notFolder), notFolder);
        }
    }

    private static IEnumerable<string> Parents(string file)
    {
        for (var slash = file.IndexOf('/'); slash > 0; slash = file.IndexOf('/', slash + 1)) yield return file[..slash];
    }
}
