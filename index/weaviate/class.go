package weaviate

import (
	"context"

	"github.com/weaviate/weaviate/entities/models"
)

// DropClass deletes a collection's class with every vector in it; a class
// that does not exist is not an error.
func (s *Store) DropClass(ctx context.Context, collection string) error {
	return s.deleteClass(ctx, ClassName(collection))
}

func (s *Store) deleteClass(ctx context.Context, class string) error {
	exists, err := s.c.Schema().ClassExistenceChecker().WithClassName(class).Do(ctx)
	if err != nil || !exists {
		return describe(err)
	}
	if err := s.c.Schema().ClassDeleter().WithClassName(class).Do(ctx); err != nil {
		return describe(err)
	}
	s.kw.Delete(class)
	return nil
}

// generationPrefix starts the description of a class that Shoulders has
// stamped with its collection's generation.
const generationPrefix = "shoulders collection generation "

// Stamp ties a collection's class to one generation of the collection (a
// collection deleted and made again under its name is another). It
// reports false when the class holds the vectors of another generation,
// which the caller deletes. A class without a stamp (made by an earlier
// release, or not yet stamped) takes this one; a missing class is fine.
func (s *Store) Stamp(ctx context.Context, collection, generation string) (bool, error) {
	class := ClassName(collection)
	exists, err := s.c.Schema().ClassExistenceChecker().WithClassName(class).Do(ctx)
	if err != nil || !exists {
		return true, describe(err)
	}
	cls, err := s.c.Schema().ClassGetter().WithClassName(class).Do(ctx)
	if err != nil {
		return false, describe(err)
	}
	want := generationPrefix + generation
	switch cls.Description {
	case want:
		return true, nil
	case "":
		cls.Description = want
		return true, describe(s.c.Schema().ClassUpdater().WithClass(cls).Do(ctx))
	}
	return false, nil
}

// hasKeywords tells whether a class was made with Weaviate's keyword index.
func hasKeywords(cls *models.Class) bool {
	for _, p := range cls.Properties {
		if p.Name == "text" && (p.IndexSearchable == nil || *p.IndexSearchable) {
			return true
		}
	}
	return false
}
