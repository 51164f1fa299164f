import ArgumentParser

DevClusterCommand.main()
