using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Cloning;

/// <summary>
/// The fidelity tests with tables that cannot travel as files (Aria, MyISAM, a FULLTEXT index) next to the
/// InnoDB ones that do, in the same clone.
/// </summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class CloneFidelityMixedEngineTests(PrivateServerFixture fixture) : CloneFidelityTests(fixture)
{
    protected override Task ExtendParentAsync(MySqlConnection connection) => Execute(connection, """
        CREATE TABLE reviews (id INT AUTO_INCREMENT PRIMARY KEY, author_id INT NOT NULL, stars TINYINT, body TEXT) ENGINE=Aria;
        INSERT INTO reviews (author_id, stars, body) VALUES (1, 5, 'great'), (2, 3, 'fine'), (1, 4, 'good');
        DELETE FROM reviews WHERE id = 3;
        CREATE TABLE tags (id INT AUTO_INCREMENT PRIMARY KEY, tag VARCHAR(20), KEY (tag)) ENGINE=MyISAM AUTO_INCREMENT=40;
        INSERT INTO tags (tag) VALUES ('novel'), ('poetry');
        CREATE TABLE blurbs (id INT PRIMARY KEY, text VARCHAR(200), FULLTEXT KEY (text)) ENGINE=InnoDB;
        INSERT INTO blurbs VALUES (1, 'a story about cats'), (2, 'a poem about dogs');
        """);
}
