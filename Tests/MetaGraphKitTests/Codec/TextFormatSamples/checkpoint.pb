
/tmp/ck/model-2/tmp/ck/model-1/tmp/ck/model-2™ώδ€ΑΪAΙμε€ΑΪA!ΟG΅€ΑΪA